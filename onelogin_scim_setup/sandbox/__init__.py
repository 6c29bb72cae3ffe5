"""The sandbox: a local OneLogin + Stack Overflow for Teams Enterprise (SOE) emulator.

Nobody can try the tool without a OneLogin tenant and an SOE site, so the sandbox emulates both
over real HTTP on 127.0.0.1 (it refuses any non-loopback address). Standard library only, and it
imports nothing from the rest of `onelogin_scim_setup`: a bug in the core cannot hide in a shared
helper. The facts it follows are in the project's reference notes (onelogin-api.md,
soe-scim-and-peers.md §1, template-placeholders.md, the SOE OneLogin guide); each module's
docstring lists its quirks and every UNCERTAIN choice made where the real products are not known.

    from onelogin_scim_setup.sandbox import Sandbox, SandboxOptions, FaultSpec

    with Sandbox(SandboxOptions(page_size=2)) as sandbox:
        sandbox.onelogin_url    # http://127.0.0.1:<port>, the OneLogin API base URL
        sandbox.soe_url         # http://127.0.0.1:<port>, the SOE site root
        sandbox.soe_scim_url    # <soe_url>/api/scim/v2

Also `python -m onelogin_scim_setup.sandbox --help` to serve until Ctrl-C.

Options (`SandboxOptions`): `host` (loopback only), `onelogin_port`/`soe_port` (0 = any free port),
`client_id`/`client_secret` (default "sandbox-client-id"/"sandbox-client-secret"), `page_size`
(max items per page of v2 lists), `rate_limit_per_hour` (5000), `token_lifetime` (36000 s),
`expose_scim_configuration` (see `onelogin_apps`), `provisioning_enabled_sticks` (False reproduces
terraform-provider-onelogin#85), `substitute_dollar_brace` (see `placeholders`), `faults`
(`FaultSpec`, see `faults`), `seed_data`, and two sandbox additions: `api_scope` ("Manage All", or
"Read All" where every write is 403) and `push_timeout` (seconds per provisioning call, 5).

Modules: `onelogin_service` (auth, scope, rate limit, headers), `onelogin_apps`, `onelogin_roles`,
`onelogin_users`, `onelogin_custom_attributes`, `onelogin_mappings`, `mapping_engine`,
`onelogin_control` (the OneLogin `/_sandbox/` endpoints), `provisioning` + `placeholders` (the
OneLogin → SOE push), `soe_state` + `soe_scim` (SOE), `faults`, `http_server`, `seed`.

Control endpoints (no auth, never faulted, never rate limited; they play the admin in the UIs,
which the real products offer no API for). Both servers: `GET`/`DELETE /_sandbox/requests` (the
log of public API requests, `[{"method", "path", "status"}]`, plus `"dropped": "before"|"after"`
for dropped connections), `GET`/`PUT /_sandbox/faults` (a JSON `FaultSpec`; omitted fields take
their defaults; the spec is shared by both servers and its generator restarts from the seed).
OneLogin: `/_sandbox/state`, `/_sandbox/apps/{id}/scim`, `/_sandbox/users/{id}/status`,
`/_sandbox/mappings/reapply`. SOE: `/_sandbox/settings`, `/_sandbox/users`.

Seed data (`seed_data=True`; with False only the connectors exist). Ids are fixed:

- Connectors: 130179 "SCIM Provisioner with SAML (SCIM v2 Enterprise)", 45504 "... (SCIM v2
  Core)", 156557 "... (SCIM v2 Enterprise, full SAML)", 163938 "... (SCIM v2 Enterprise, SCIM2
  PATCH for Groups)", 121386 "SCIM Provisioner w/SAML (SCIM v2 w/OAuth)", 123766 "... (SCIM v2
  w/OAuth & Scope)", 58450 "... (Core Schema v1.1)", 58451 "... (Enterprise Schema v1.1)" (all
  auth_method 2, allows_new_parameters true); 29034 "Slack", 100346 "Zoom" (no new parameters),
  110016 "Advanced SAML Custom Connector". The SCIM v2 Enterprise connectors come with parameters
  scimusername (email), department, title, external_manager_id and groups.
- Roles: 200001 "Default" (everyone), 200002 "Engineering" (alice, bob, carol, dave),
  200003 "SOE Moderators" (bob), 200004 "SOE Admins" (carol), 200005 "Sales" (erin).
- Users (status 1, company "Example Inc.", username = the part before @, employee_id E1001..):
  50001 alice@example.com Alice Anders (Engineer, Platform), 50002 bob@example.com Bob Brown
  (Staff Engineer, Platform), 50003 carol@example.com Carol Chen (CTO, Engineering),
  50004 dave@example.com Dave Diaz (no title, no department), 50005 erin@example.com Erin Evans
  (Account Executive, Sales).
- Custom attribute 80001 "Employee ID" (shortname employee_id, position 1).
- App 1000001 "Slack" (connector 29034), given to role Default.
- Mappings: 300001 "Sales department" (enabled, position 1: has_role Sales → add_role Default)
  and 300002 "Old contractors" (disabled, position null: title ~ Contractor → set_status 2).
- SOE: no users; SCIM off, no token, both promotion switches off, deletion off.
"""

from __future__ import annotations

from onelogin_scim_setup.sandbox.options import FaultSpec, SandboxOptions
from onelogin_scim_setup.sandbox.quirks import Quirks
from onelogin_scim_setup.sandbox.server import Sandbox

__all__ = ["FaultSpec", "Quirks", "Sandbox", "SandboxOptions"]
