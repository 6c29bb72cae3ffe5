"""`--help` at 80 columns keeps option names whole.

Typer draws each options panel as a Rich table whose columns may all wrap. When the table is too
wide, Rich narrows the widest wrapping columns to the next widest, then those together, so at 80
columns the name column was cut with an ellipsis (`--max-deactivate-perc…`) once the help and the
type columns had been narrowed to its width. Marking the name columns `no_wrap` takes them out of
that narrowing: only the type and help columns wrap. Installed by the commands' `format_help`, so
`typer.rich_utils` (and Rich) are imported only when help is shown.
"""

from __future__ import annotations

from typing import Any

# Typer's options table: [required marker], long names, short names, negative long, negative short,
# type, help. Every column before the type column holds names or markers.
_NAME_COLUMNS = 5


def keep_option_names_whole() -> None:
    """Swap typer.rich_utils' Table for one whose name columns never wrap (once per process)."""
    from rich.table import Table
    from typer import rich_utils

    if getattr(getattr(rich_utils, "Table", None), "keeps_names_whole", False):
        return

    class OptionsTable(Table):
        keeps_names_whole = True

        def _calculate_column_widths(self, console: Any, options: Any) -> list[int]:
            columns = self.columns
            if len(columns) > 2:  # an options table (the commands table has 2 columns)
                for column in columns[: len(columns) - 2][:_NAME_COLUMNS]:
                    column.no_wrap = True
            widths: list[int] = super()._calculate_column_widths(console, options)
            return widths

    setattr(rich_utils, "Table", OptionsTable)  # noqa: B010 (not re-exported: mypy --strict)
