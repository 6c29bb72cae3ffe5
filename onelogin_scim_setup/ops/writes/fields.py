"""A custom user field: create it, and check OneLogin kept the shortname's case."""

from __future__ import annotations

from onelogin_scim_setup.errors import ShortnameChanged
from onelogin_scim_setup.ops.writes.context import WriteContext
from onelogin_scim_setup.plan.changes import Change


def write_custom_field(ctx: WriteContext, change: Change) -> None:
    wanted = ctx.desired.custom_fields[change.key]
    field_id = ctx.client.create_custom_attribute(wanted.name, wanted.shortname)
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
