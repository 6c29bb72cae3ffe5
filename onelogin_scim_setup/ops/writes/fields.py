"""A custom user field: create it, and check OneLogin kept the shortname's case. A create whose
answer was lost is looked for by shortname (ops.writes.lost), never sent again blindly."""

from __future__ import annotations

from onelogin_scim_setup.errors import OneLoginError, ShortnameChanged
from onelogin_scim_setup.ops.writes.context import WriteContext
from onelogin_scim_setup.ops.writes.lost import create_lost, read_back
from onelogin_scim_setup.plan.changes import Change


def write_custom_field(ctx: WriteContext, change: Change) -> None:
    wanted = ctx.desired.custom_fields[change.key]
    try:
        field_id: int | str = ctx.client.create_custom_attribute(wanted.name, wanted.shortname)
    except OneLoginError as error:
        # Looked for case-insensitively: a tenant that changed the case created it all the same
        # (and the check below says so).
        field_id = read_back(
            error,
            lambda: next(
                (
                    str(f.get("id"))
                    for f in ctx.client.list_custom_attributes()
                    if str(f.get("shortname")).casefold() == wanted.shortname.casefold()
                ),
                None,
            ),
            f"whether the custom user field {wanted.shortname!r} exists (OneLogin: Users > "
            "Custom User Fields)",
            lost=create_lost(error),
        )
        ctx.lost_and_read_back(change)
    # Whether OneLogin keeps a shortname's case is undocumented (docs/onelogin-api.md Op 4 [U]);
    # the template, parameter and mappings name the field by it, so check before using it.
    stored = next(
        (
            str(f.get("shortname"))
            for f in ctx.client.list_custom_attributes()
            if str(f.get("id")) == str(field_id)
        ),
        wanted.shortname,
    )
    if stored != wanted.shortname:
        raise ShortnameChanged(wanted.shortname, stored)
