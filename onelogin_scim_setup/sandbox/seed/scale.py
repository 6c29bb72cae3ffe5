"""An organization-size tenant (`users=N`, `roles=M`, `soe_users=K`), on top of the other seeds.

Deterministic: extra user i (1-based) is `user{i:05d}@example.com` ("User {i:05d}", title
"Engineer", department "Dept {i % 10}", active), extra role j is "Role {j:03d}", and user i is a
member of role ((i - 1) % M) + 1. The SOE site gets K active SCIM users matching the first K
OneLogin users in id order (userName = email). The extra users were created and last updated at
`SEEDED_AT`, long before any run: an organization's users exist for a while, and a read of what
changed since yesterday does not find them all (benchmarks/incremental.py).
"""

from __future__ import annotations

from onelogin_scim_setup.sandbox.onelogin.state import Role, Tenant, User
from onelogin_scim_setup.sandbox.soe.state import SoeSite, SoeUser

SEEDED_AT = "2026-01-01T00:00:00.000Z"


def load(tenant: Tenant, users: int, roles: int) -> None:
    extra_roles = [Role(tenant.new_id("role"), f"Role {j:03d}") for j in range(1, roles + 1)]
    tenant.roles.update({role.id: role for role in extra_roles})
    for i in range(1, users + 1):
        user = User(tenant.new_id("user"), f"user{i:05d}", f"user{i:05d}@example.com")
        user.firstname, user.lastname = "User", f"{i:05d}"
        user.title, user.department, user.company = "Engineer", f"Dept {i % 10}", "Example Inc."
        user.created_at = user.updated_at = SEEDED_AT
        tenant.users[user.id] = user
        if extra_roles:
            extra_roles[(i - 1) % roles].user_ids.append(user.id)


def load_soe(tenant: Tenant, site: SoeSite, count: int) -> None:
    people = sorted(tenant.users.values(), key=lambda u: u.id)
    if count > len(people):
        raise ValueError(f"soe_users={count} but the OneLogin tenant has only {len(people)} users")
    for user in people[:count]:
        site.add(
            SoeUser(
                site.new_id(),
                {
                    "userName": user.email,
                    "name": {"givenName": user.firstname, "familyName": user.lastname},
                    "displayName": user.display_name,
                    "emails": [{"value": user.email, "type": "work", "primary": True}],
                },
            )
        )
