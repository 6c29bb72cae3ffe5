"""render/runbook.py: the manual steps as a Markdown checklist."""

from __future__ import annotations

import re
from typing import Any

from onelogin_scim_setup.config.models import Config
from onelogin_scim_setup.plan import manual
from onelogin_scim_setup.plan.changes import Plan
from onelogin_scim_setup.render.markdown import code
from onelogin_scim_setup.render.runbook import runbook_markdown
from tests.conftest import MINIMAL_CONFIG
from tests.helpers.render import PLAN


def test_runbook_lists_manual_steps_as_checkboxes() -> None:
    text = runbook_markdown(PLAN, app_name="SCIM SOE", config_path="c.yaml")
    assert "## 1. soe: SCIM settings" in text
    assert (
        "- [ ] **SCIM authorization bearer token**: the token with fingerprint `sha256:1a2b3c4d`"
        in text
    )
    assert '```json\n{\n  "a": 1\n}\n```' in text
    assert "- create custom_field 'userType'" in text


def config_of(data: dict[str, Any]) -> Config:
    return Config.model_validate(data)


def code_spans_close(markdown: str) -> bool:
    """Outside fenced blocks, every line's backticks pair up (a span opened is closed)."""
    fenced = False
    for line in markdown.splitlines():
        if line.startswith("```"):
            fenced = not fenced
            continue
        if not fenced and sum(len(run) for run in re.findall(r"`+", line)) % 2:
            return False
    return not fenced


def test_runbook_without_a_token_says_what_to_do_in_markdown_that_holds() -> None:
    config = config_of(MINIMAL_CONFIG)
    steps = manual.steps(config, template='{"a": "`x`"}', token_fingerprint=None)
    text = runbook_markdown(Plan(tuple(steps)), app_name="SCIM SOE", config_path="c.yaml")
    assert manual.TOKEN_MISSING not in text
    assert "none yet: run `onelogin-scim-setup token generate`" in text
    assert code_spans_close(text), text


def test_code_spans_hold_backticks() -> None:
    """The runbook's code spans are the plan's (render.markdown.code): one rule for both."""
    assert code("a`b") == "`` a`b ``"
    assert code("`a") == "`` `a ``"
    assert code("plain") == "`plain`"
