"""Who is asking: a signed-in person with roles, or nobody."""

from __future__ import annotations

from dataclasses import dataclass
from enum import StrEnum


class Role(StrEnum):
    COORDINATOR = "coordinator"  # OT coordination
    TEAMLID = "teamlid"  # team member; also the peer in aftercare
    MINISTERIE = "ministerie"  # BZK: aggregates only
    BEHEERDER = "beheerder"  # operations / admin


@dataclass(frozen=True)
class Principal:
    """An authenticated caller. ``subject`` is the IdP's stable id (never an e-mail in logs)."""

    subject: str
    display_name: str
    roles: frozenset[Role]
    via: str  # "session" (browser) or "bearer" (API client)

    def has(self, *roles: Role) -> bool:
        return bool(self.roles.intersection(roles))


def roles_from_claims(claims: dict[str, object], claim_path: str) -> frozenset[Role]:
    """Read roles from a configurable (dotted) claim, e.g. ``roles`` or ``realm_access.roles``."""
    node: object = claims
    for part in claim_path.split("."):
        node = node.get(part) if isinstance(node, dict) else None
    if isinstance(node, str):
        node = [node]
    if not isinstance(node, list):
        return frozenset()
    known = {role.value for role in Role}
    return frozenset(Role(value) for value in node if value in known)
