"""What every writer works with: the client, the desired state, the wire values, and apply's own
copy of the wire ids, which the writers fill in as they create things (a role created by one step
is addressed by the mapping of a later one)."""

from __future__ import annotations

from dataclasses import dataclass, field

from onelogin_scim_setup.errors import SetupError
from onelogin_scim_setup.model.snapshot import Ids
from onelogin_scim_setup.model.tenant import Tenant
from onelogin_scim_setup.onelogin.client import OneLoginClient
from onelogin_scim_setup.plan.changes import Change
from onelogin_scim_setup.plan.computed import WireValues


@dataclass
class WriteContext:
    client: OneLoginClient
    desired: Tenant
    ids: Ids
    wire: WireValues
    # Seconds a mapping write waits for a just-created field's mapping action (onelogin.action_wait).
    action_wait: float
    # The changes found done by reading back after their write's answer was lost (ops.writes.lost):
    # (kind, key), for apply's report. Several user writers add to it at once: a set's add is atomic.
    read_back: set[tuple[str, str]] = field(default_factory=set)

    def lost_and_read_back(self, change: Change) -> None:
        self.read_back.add((change.kind.value, change.key))

    def was_read_back(self, change: Change) -> bool:
        return (change.kind.value, change.key) in self.read_back

    def app_id(self) -> int:
        if self.ids.app_id is None:
            raise SetupError("the app does not exist yet; its create step did not run")
        return self.ids.app_id
