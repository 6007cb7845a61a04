"""The main menu per role, one definition for the whole product."""

from __future__ import annotations

from collections.abc import Callable, Iterable
from dataclasses import dataclass

from ontour.i18n import N_, kit_gettext

#: The roles of the product, in the order their navigation is merged.
ROLES = ("coordinator", "teamlid", "ministerie", "beheerder")

ROLE_LABELS: dict[str, str] = {
    "coordinator": N_("Coordinator"),
    "teamlid": N_("Team member"),
    "ministerie": N_("Ministry of the Interior (BZK)"),
    "beheerder": N_("Administrator"),
}


@dataclass(frozen=True)
class NavItem:
    """One item of the main menu (Dutch label, and a Dutch line for the start page)."""

    label: str
    href: str
    description: str = ""


# (label msgid, href, description msgid) per role; one definition for the whole product.
# Each role's own work comes first; the public request form is only for visitors who are
# not signed in (an office holder), so no team member lands on it by mistake.
_NAVIGATION: dict[str | None, tuple[tuple[str, str, str], ...]] = {
    "coordinator": (
        (N_("Intake"), "/intake/", N_("Organisations, preliminary talks and session requests.")),
        (N_("Scheduling"), "/scheduling/", N_("Session requests, planner runs, agenda and team.")),
        (
            N_("Aftercare queue"),
            "/aftercare/wachtrij",
            N_("Aftercare requests waiting for a peer, and their service level."),
        ),
        (N_("Peers"), "/aftercare/peers", N_("Peers, their open cases and free places.")),
        (N_("Reporting"), "/reporting/", N_("Progress of the tour and of aftercare.")),
        (N_("Administration"), "/beheer", N_("Health and event documentation of each service.")),
    ),
    "teamlid": (
        (
            N_("My agenda"),
            "/scheduling/mijn-agenda",
            N_("Your sessions, also in your calendar app."),
        ),
        (N_("My aftercare"), "/aftercare/mijn-nazorg", N_("The aftercare cases assigned to you.")),
        (N_("My actions"), "/intake/acties", N_("Your follow-up actions after preliminary talks.")),
        (
            N_("My availability"),
            "/scheduling/mijn-beschikbaarheid",
            N_("Dates you cannot, preferred evenings and your maximum."),
        ),
        (N_("Intake"), "/intake/", N_("Voorgesprekken you hold and your follow-up actions.")),
        (N_("Scheduling"), "/scheduling/", N_("Session requests and the agenda of the team.")),
        (N_("Reporting"), "/reporting/", N_("Progress of the tour.")),
    ),
    "ministerie": (
        (N_("Reporting"), "/reporting/", N_("Progress figures of the tour and of aftercare.")),
    ),
    "beheerder": (
        (N_("Administration"), "/beheer", N_("Health and event documentation of each service.")),
    ),
    None: (
        (
            N_("Request aftercare"),
            "/aftercare/",
            N_("Threatened or intimidated? An experienced colleague will help you."),
        ),
        (N_("Sign in"), "/aanmelden", N_("For the support team and the ministry.")),
    ),
}
_HREF_ORDER = (
    "/scheduling/mijn-agenda",
    "/aftercare/mijn-nazorg",
    "/intake/acties",
    "/scheduling/mijn-beschikbaarheid",
    "/intake/",
    "/scheduling/",
    "/aftercare/wachtrij",
    "/aftercare/peers",
    "/aftercare/",
    "/reporting/",
    "/beheer",
    "/aanmelden",
)


def navigation_for(
    roles: Iterable[str] | None, *, gettext: Callable[[str], str] | None = None
) -> list[NavItem]:
    """The main menu for these roles (``None``: not signed in), in Dutch.

    A user with several roles gets the union; where two roles link to the same place the
    first role in :data:`ROLES` names it. Unknown roles add nothing.
    """
    translate = gettext or kit_gettext
    if roles is None:
        entries = list(_NAVIGATION[None])
    else:
        held = set(roles)
        entries = [entry for role in ROLES if role in held for entry in _NAVIGATION[role]]
    seen: dict[str, NavItem] = {}
    for label, href, description in entries:
        seen.setdefault(href, NavItem(translate(label), href, translate(description)))
    return sorted(seen.values(), key=lambda item: _HREF_ORDER.index(item.href))


def current_href(items: Iterable[NavItem], path: str) -> str | None:
    """The href of the menu item for ``path`` (the longest match), for ``aria-current``."""
    best: str | None = None
    for item in items:
        matches = (
            path == item.href
            or (item.href.endswith("/") and path.startswith(item.href))
            or path.rstrip("/") == item.href.rstrip("/")
        )
        if matches and (best is None or len(item.href) > len(best)):
            best = item.href
    return best


def role_labels(roles: Iterable[str], *, gettext: Callable[[str], str] | None = None) -> str:
    """The user's roles in Dutch, in product order: "Coördinator, Teamlid"."""
    translate = gettext or kit_gettext
    held = set(roles)
    return ", ".join(translate(ROLE_LABELS[r]) for r in ROLES if r in held)
