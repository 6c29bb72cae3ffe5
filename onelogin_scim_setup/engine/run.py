"""The engine's entry points, used alike by the CLI, the demo and the benchmarks.

    prepared = prepare(config_path, environ)          # offline: config, template, token (engine.prepare)
    with locked(prepared, lock_dir, timeout=300), connect(prepared, environ) as client:
        computed = compute_plan(prepared, client)     # read OneLogin, diff, add the manual steps
        result = apply_plan(computed, client)         # write, in dependency order

`apply_config` is that whole sequence as the `apply` command runs it (saved plan or pinned checksum
checked, the plan shown through an `ApplyView`, the prompt, progress). A `ComputedPlan` carries everything apply needs (the desired state, the snapshot the plan was
computed from with its wire ids, and the wire values the plan holds only as fingerprints), so apply
takes the plan and nothing else. See ARCHITECTURE.md, "The life of a plan".
"""

from __future__ import annotations

import tempfile
from collections.abc import Callable, Iterator, Mapping
from contextlib import AbstractContextManager, contextmanager
from dataclasses import dataclass
from pathlib import Path
from typing import Protocol

from pydantic import ValidationError

from onelogin_scim_setup.config.credentials import onelogin_credentials
from onelogin_scim_setup.config.messages import error_message
from onelogin_scim_setup.config.models import Config
from onelogin_scim_setup.engine import desired as desired_state
from onelogin_scim_setup.engine import lock, manual
from onelogin_scim_setup.engine.adopt import Adopted, read_setup, starter_config
from onelogin_scim_setup.engine.apply import ApplyResult, execute
from onelogin_scim_setup.engine.budget import DEFAULT_RESERVE
from onelogin_scim_setup.engine.computed import ComputedPlan, WireValues
from onelogin_scim_setup.engine.diff import diff
from onelogin_scim_setup.engine.plan import Change, Plan
from onelogin_scim_setup.engine.prepare import Prepared
from onelogin_scim_setup.engine.saved import SavedPlan, check, check_checksum
from onelogin_scim_setup.errors import Interrupted, SetupError, UsageError
from onelogin_scim_setup.onelogin.client import OneLoginClient
from onelogin_scim_setup.onelogin.read import read
from onelogin_scim_setup.secrets.redact import Redactor


def connect(prepared: Prepared, environ: Mapping[str, str]) -> OneLoginClient:
    """A OneLogin API client for the config's tenant; credentials are read here, once."""
    return client_for(prepared.config, environ, prepared.redactor)


def client_for(
    config: Config, environ: Mapping[str, str], redactor: Redactor | None = None
) -> OneLoginClient:
    """A OneLogin API client for `config.onelogin` (`import` has no config file yet)."""
    credentials = onelogin_credentials(config, environ)
    return OneLoginClient(
        config.onelogin.api_url,
        credentials.client_id,
        credentials.client_secret.get_secret_value(),
        timeout=(min(10.0, config.onelogin.timeout), config.onelogin.timeout),
        max_retries=config.onelogin.max_retries,
        backoff_factor=config.onelogin.backoff,
        concurrency=config.onelogin.concurrency,
        redactor=redactor,
    )


@contextmanager
def locked(
    prepared: Prepared,
    lock_dir: Path,
    *,
    timeout: float,
    on_wait: Callable[[str], None] | None = None,
) -> Iterator[None]:
    """Hold this machine's lock on the config's tenant and app while planning and writing.

    Taken before the plan is read, so a second apply waits and then plans from what the first wrote.
    Commands that only read (plan, verify) do not take it.
    """
    config = prepared.config
    with lock.held(
        lock_dir,
        api_url=config.onelogin.api_url,
        app_name=config.app.name,
        timeout=timeout,
        on_wait=on_wait,
    ):
        yield


def sensitive_keys(config: Config) -> frozenset[str]:
    """App `configuration` keys whose values are secrets (held as fingerprints in the plan)."""
    key = config.app.configuration_keys.bearer_token
    return frozenset({key} if key else set())


def compute_plan(prepared: Prepared, client: OneLoginClient) -> ComputedPlan:
    """Read OneLogin, diff it against the config, and add the manual steps. Writes nothing."""
    config = prepared.config
    wanted = desired_state.build(
        config, template=prepared.template, token_fingerprint=prepared.token_fingerprint
    )
    snapshot = read(
        client,
        wanted,
        mapping_prefix=desired_state.mapping_prefix(config),
        sensitive_keys=sensitive_keys(config),
        adopt_mappings=desired_state.adopted_names(config),
    )
    api = diff(
        snapshot.tenant,
        wanted,
        create_roles=config.app.create_missing_roles,
        sensitive=sensitive_keys(config),
        provisioning_via_api=config.app.provisioning_via_api,
        exclusive_roles=config.app.exclusive_roles,
    )
    plan = Plan(api.changes + tuple(manual_steps(prepared)))
    return ComputedPlan(
        plan,
        wanted,
        snapshot,
        WireValues(wire_configuration(prepared)),
        action_wait=config.onelogin.action_wait,
        safety=config.safety,
    )


def apply_plan(
    computed: ComputedPlan,
    client: OneLoginClient,
    *,
    confirm: Callable[[Plan], bool] | None = None,
    on_change: Callable[[Change], None] | None = None,
    on_start: Callable[[int], None] | None = None,
    rate_reserve: float = DEFAULT_RESERVE,
    force: bool = False,
) -> ApplyResult:
    """Carry out the plan's API changes in dependency order.

    Conflicts refuse the whole plan before anything else, then the safety thresholds (unless
    `force`; engine.safety), both before `confirm`; so does an hourly API budget that, less
    `rate_reserve` (a share of the limit kept for other integrations), cannot cover the calls the
    changes need (BudgetError). `confirm` (None: approved) is asked only when there is something to
    write; a "no" raises UsageError with nothing changed. `on_start(total)` is called before the
    first write, `on_change` after each change, in plan order. On a failure part-way, ApplyError
    lists what was done and what was not; apply again picks up from there.
    """
    return execute(
        computed,
        client,
        confirm=confirm,
        on_change=on_change,
        on_start=on_start,
        rate_reserve=rate_reserve,
        force=force,
    )


class ApplyProgress(Protocol):
    def started(self, total: int) -> None: ...

    def done(self, change: Change) -> None: ...


class ApplyView(Protocol):
    """What `apply_config` shows while it runs (render.apply.ApplyConsole on a console)."""

    def reading(self) -> AbstractContextManager[None]: ...

    def review(self, plan: Plan) -> None: ...

    def applying(self) -> AbstractContextManager[ApplyProgress]: ...


@dataclass(frozen=True)
class ApplyRequest:
    """What `apply` was asked: a saved plan or a pinned checksum to hold the plan to, --force."""

    saved_plan: SavedPlan | None = None
    checksum: str | None = None
    force: bool = False
    lock_timeout: float = 300.0

    @property
    def approved(self) -> bool:
        """A saved plan was reviewed when it was saved (terraform's rule), and a pinned checksum
        names the exact plan that was reviewed: either is the approval, so neither needs a prompt."""
        return self.saved_plan is not None or self.checksum is not None


def apply_config(
    prepared: Prepared,
    environ: Mapping[str, str],
    request: ApplyRequest,
    *,
    lock_dir: Path,
    view: ApplyView,
    confirm: Callable[[Plan], bool] | None = None,
    on_wait: Callable[[str], None] | None = None,
) -> tuple[ComputedPlan, ApplyResult]:
    """`apply`: under the lock, read and plan, hold the plan to the saved one or the checksum, show
    it (`view.review`), then `apply_plan` (with `confirm`, None: approved). An interruption before
    the first write says nothing was changed; after it, apply_plan's done/not-done report."""
    with (
        locked(prepared, lock_dir, timeout=request.lock_timeout, on_wait=on_wait),
        connect(prepared, environ) as client,
    ):
        try:
            with view.reading():
                computed = compute_plan(prepared, client)
            if request.saved_plan is not None:
                check(request.saved_plan, prepared, computed)
            if request.checksum is not None:
                check_checksum(request.checksum, computed)
            view.review(computed.plan)
            with view.applying() as progress:
                result = apply_plan(
                    computed,
                    client,
                    confirm=confirm,
                    on_start=progress.started,
                    on_change=progress.done,
                    rate_reserve=prepared.config.onelogin.rate_reserve,
                    force=request.force,
                )
        except Interrupted as interrupted:
            # Once writing has begun apply_plan reports an interruption as ApplyError (done / not
            # done); one that gets here came while reading or at the prompt.
            interrupted.report.append("Nothing was changed in OneLogin.")
            raise
    return computed, result


def manual_steps(prepared: Prepared) -> list[Change]:
    return manual.steps(
        prepared.config, template=prepared.template, token_fingerprint=prepared.token_fingerprint
    )


def manual_plan(prepared: Prepared) -> Plan:
    """The manual steps alone, without reading OneLogin (for `runbook --offline`)."""
    return Plan(tuple(manual_steps(prepared)))


def wire_configuration(prepared: Prepared) -> dict[str, str]:
    """The raw values for the app `configuration` keys the config manages (token in clear)."""
    keys = prepared.config.app.configuration_keys
    values = {}
    if keys.base_url:
        values[keys.base_url] = prepared.config.soe.scim_url
    if keys.bearer_token and prepared.token:
        values[keys.bearer_token] = prepared.token
    if keys.json_template:
        values[keys.json_template] = prepared.template
    return values


def import_setup(
    onelogin: tuple[str, str],
    soe: tuple[str, str],
    environ: Mapping[str, str],
    redactor: Redactor,
    *,
    app_name: str,
    connector: str,
) -> tuple[Adopted, str]:
    """The `import` command: read a hand-made setup (`engine.adopt`) as a starter config's text.

    `onelogin` and `soe` are where they are, as (key, value) of their config sections, e.g.
    ("subdomain", "acme"); they are checked by the config's own schema (https only, host names),
    and a bad one is a `UsageError`. The text is checked the same way before it is returned: the
    tool never writes a config it would refuse.
    """
    try:
        config = Config.model_validate({"onelogin": dict([onelogin]), "soe": dict([soe])})
    except ValidationError as error:
        problems = "; ".join(
            f"{'.'.join(map(str, e['loc']))}: {error_message(e)}" for e in error.errors()
        )
        raise UsageError(f"import: {problems}") from None
    with client_for(config, environ, redactor) as client:
        adopted = read_setup(client, app_name, connector)
    text = starter_config(adopted, onelogin=onelogin, soe=soe)
    _refused_by_config(text)
    return adopted, text


def _refused_by_config(text: str) -> None:
    """Nothing is written that `validate` would refuse: names read from OneLogin (an app, a role,
    a mapping, a field) may break the config's own rules. Checked by the loader itself."""
    from onelogin_scim_setup.config.load import load_collecting

    with tempfile.TemporaryDirectory() as folder:
        path = Path(folder) / "imported.yaml"
        path.write_text(text, encoding="utf-8")
        try:
            loaded, problems = load_collecting(path)
        except SetupError as error:
            loaded, problems = None, [error.message]
    if problems or loaded is None:
        found = [problem.replace(str(path), "config") for problem in problems] or ["unreadable"]
        raise SetupError(
            "import: the setup found in OneLogin holds values the config refuses, so nothing "
            "was written: " + "; ".join(found),
            hint="Rename what is named in OneLogin (or leave it out of the setup), then run "
            "import again; or write the config by hand (`init`).",
        )
