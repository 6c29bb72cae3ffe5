"""Offline commands: init, validate, render."""

from pathlib import Path
from typing import Annotated

import typer

from onelogin_scim_setup.cli.context import (
    ForceOption,
    OutputOption,
    State,
    refuse_to_overwrite,
    state_of,
)
from onelogin_scim_setup.config import CONFIG_ENV, DEFAULT_CONFIG_FILE
from onelogin_scim_setup.errors import ConfigError


def init(
    ctx: typer.Context,
    path: Annotated[
        Path | None,
        typer.Argument(
            help=f"Where to write it. Default: -c, else ${CONFIG_ENV}, else ./{DEFAULT_CONFIG_FILE}."
        ),
    ] = None,
    force: ForceOption = False,
) -> None:
    """Write a commented starter config (config.example.yaml), and its JSON Schema beside it for
    editors."""
    from importlib.resources import files

    from onelogin_scim_setup.config.schema import with_modeline
    from onelogin_scim_setup.files import write_file

    state = state_of(ctx)
    path = path or state.config_path
    refuse_to_overwrite(path, force=force)
    text = files("onelogin_scim_setup.templates").joinpath("config.example.yaml").read_text("utf-8")
    write_file(path, with_modeline(text))
    write_schema_beside(state, path, force=force)
    state.out.text(f"Wrote {path}. Edit it, then run `onelogin-scim-setup validate -c {path}`.")


def write_schema_beside(state: State, config_path: Path, *, force: bool) -> None:
    """The config's JSON Schema as config.schema.SCHEMA_FILE next to `config_path`, which the
    config's first line names for editors. A different file of that name is kept unless `force`."""
    from onelogin_scim_setup.config.schema import SCHEMA_FILE, schema_text
    from onelogin_scim_setup.files import InputFileError, WriteError, read_text_input, write_file

    target = config_path.parent / SCHEMA_FILE
    text = schema_text()
    if target.exists() and not force:
        try:
            same = read_text_input(target, 4 * len(text)) == text
        except (OSError, InputFileError):
            same = False
        if not same:
            state.out.note(
                f"Kept {target}: it is not this version's config schema. "
                f"`onelogin-scim-setup schema --out {target}` replaces it."
            )
        return
    try:
        write_file(target, text)
    except WriteError as error:  # the config is written and usable: a warning, not a failure
        state.out.note(f"Warning: {error.message}; `onelogin-scim-setup schema` prints it.")
        return
    state.out.note(f"Wrote {target} (the config's JSON Schema, for editors).")


def schema(
    ctx: typer.Context,
    out_file: Annotated[
        Path | None, typer.Option("--out", help="Write it to this file instead of stdout.")
    ] = None,
) -> None:
    """Print the config file's JSON Schema (draft 2020-12), for editors and CI checks."""
    from onelogin_scim_setup.config.schema import schema_text
    from onelogin_scim_setup.files import write_file

    state = state_of(ctx)
    text = schema_text()
    if out_file:
        write_file(out_file, text)
        state.out.note(f"Wrote {out_file}.")
    else:
        state.out.stdout.file.write(text)


def validate(ctx: typer.Context, output: OutputOption = "text") -> None:
    """Check the config, the SCIM JSON template and the token source offline, all at once."""
    from onelogin_scim_setup.ops.prepare import validate_all
    from onelogin_scim_setup.render.checks import render_valid

    state = state_of(ctx)
    out = state.use_output(output)  # first: the error boundary then answers in this format
    found = validate_all(
        state.config_path, state.environ, redactor=state.redactor, on_warning=out.warn
    )
    if found.prepared is None:
        count = len(found.problems)
        raise ConfigError(f"{state.config_path}: {count} problem(s)", problems=found.problems)
    render_valid(out, found.prepared.loaded, found.notes)


def render(
    ctx: typer.Context,
    out_file: Annotated[
        Path | None, typer.Option("--out", help="Write the template (or the preview) to this file.")
    ] = None,
    preview: Annotated[
        bool, typer.Option("--preview", help="Show the SCIM payload SOE would receive.")
    ] = False,
    sample: Annotated[
        Path | None,
        typer.Option(
            "--sample",
            help="Sample user for --preview: a file with user: and parameters: (format below).",
        ),
    ] = None,
) -> None:
    """Print the OneLogin SCIM JSON template (or, with --preview, a sample user's SCIM payload)."""
    from onelogin_scim_setup.files import write_file
    from onelogin_scim_setup.ops.prepare import prepare
    from onelogin_scim_setup.template.preview import (
        BUILTIN_SAMPLE_USER,
        load_sample,
        preview_payload,
    )

    state = state_of(ctx)
    prepared = prepare(
        state.config_path,
        state.environ,
        redactor=state.redactor,
        on_warning=state.out.warn,
        run_token_command=False,
    )
    text = prepared.template
    if preview or sample:
        user = load_sample(sample) if sample else BUILTIN_SAMPLE_USER
        syntax, name = prepared.config.template.syntax, str(sample) if sample else None
        payload = preview_payload(text, syntax=syntax, sample=user, sample_name=name)
        import json

        text = json.dumps(payload, indent=2)
    if out_file:
        write_file(out_file, text + "\n")
        state.out.note(f"Wrote {out_file}.")
    else:
        state.out.document(text + "\n")
