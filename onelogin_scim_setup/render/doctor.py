"""What `doctor` found: a table (fact | what this tenant answered | what the tool will do), or JSON."""

from __future__ import annotations

from rich.markup import escape
from rich.table import Table

from onelogin_scim_setup.ops.doctor import Diagnosis
from onelogin_scim_setup.render.console import Out


def render_doctor(out: Out, diagnosis: Diagnosis) -> None:
    if out.json:
        out.data(diagnosis.to_dict())
        return
    table = Table("#", "fact", "what this tenant answered", "what the tool will do")
    for fact in diagnosis.facts:
        table.add_row(str(fact.row), escape(fact.fact), escape(fact.answered), escape(fact.will_do))
    out.stdout.print(table)
    out.text(
        f"{diagnosis.calls} OneLogin API calls. The # column is the row in docs/uncertain-facts.md."
    )
