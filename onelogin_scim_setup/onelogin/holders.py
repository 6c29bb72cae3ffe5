"""Who holds a promoted userType in OneLogin: one filtered listing per type other than the default
(`GET /api/2/users?custom_attributes.<shortname>=<type>`, docs/onelogin-api.md Op 7), each user
with its `role_ids`, so the plan can tell a promotion nothing in the config implies any more
(docs/demotion.md). Never one call per user.

Budget: one call per type listed (two: Moderator and Admin), plus one per further page of 100
holders.
"""

from __future__ import annotations

from collections.abc import Callable, Iterable
from typing import Any

from onelogin_scim_setup.errors import OneLoginError
from onelogin_scim_setup.model.snapshot import Holder
from onelogin_scim_setup.onelogin.answers import Fields
from onelogin_scim_setup.onelogin.client import USERS, USERS_LIMIT, OneLoginClient
from onelogin_scim_setup.onelogin.listing import gather, list_all

HOLDER_FIELDS = "id,email,role_ids,custom_attributes"


def read_holders(
    client: OneLoginClient, shortname: str, types: Iterable[str], *, workers: int
) -> list[Holder]:
    """Every user whose custom field `shortname` holds one of `types`, by one listing per type.
    A user listed under two types (a value changing between the pages) is kept once."""
    wanted = list(types)

    def listing(user_type: str) -> Callable[[], list[dict[str, Any]]]:
        query = {"fields": HOLDER_FIELDS, f"custom_attributes.{shortname}": user_type}
        return lambda: list_all(client, USERS, query, USERS_LIMIT, workers)

    found: dict[int, Holder] = {}
    for user_type, items in zip(wanted, gather(workers, [listing(t) for t in wanted]), strict=True):
        for index, raw in enumerate(items):
            holder = _holder(raw, shortname, user_type, index)
            if holder is None:
                continue
            earlier = found.setdefault(holder.id, holder)
            if earlier is not holder and holder.custom is None:
                # Listed under two values with nothing to tell which it holds: the server ignored
                # the filter, and everyone would look promoted (and be demoted).
                raise OneLoginError(
                    f"the user list answered user {holder.id} for both "
                    f"{shortname}={earlier.user_type} and {shortname}={user_type}: it ignores the "
                    f"custom_attributes.{shortname} filter, so who holds a promotion is unknown",
                    method="GET",
                    path=USERS,
                    hint="Nothing was changed. Report the tenant's behaviour (docs/demotion.md); "
                    "meanwhile set fields.user_type.enabled: false to plan without userType.",
                )
    return sorted(found.values(), key=lambda h: h.email)


def _holder(raw: dict[str, Any], shortname: str, user_type: str, index: int) -> Holder | None:
    """The holder a listed user is; every field read is checked: a user whose id, email, role ids
    or custom attributes are malformed stops the read (a holder misread is a wrong demotion)."""
    user = Fields(raw, "GET", USERS, item=index)
    user_id, email = user.id(), user.name("email").lower()
    custom = user.plain_object("custom_attributes")
    # A server that ignored the filter must not make everyone a holder: where the value is
    # listed, it decides.
    if custom is not None and str(custom.get(shortname) or "") != user_type:
        return None
    roles = user.ids("role_ids")
    role_ids = tuple(roles) if roles is not None else None
    held = dict(custom) if custom is not None else None
    return Holder(user_id, email, user_type, role_ids, held)
