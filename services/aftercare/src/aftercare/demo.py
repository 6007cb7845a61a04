"""Demo data for aftercare: peers and two years of fictional requests, always the same (seeded).

Each request goes through the API as the demo coordinator enters it after the fact: received
on its day ("ontvangen op"), matched with the proposal, first contact, under way, closed with
an outcome, each step at its own moment. The steps of all requests run in the order they
happened, so a peer's capacity holds at every moment (an old case is closed before a new one
is matched). The moments lie before today's midnight, so what is done is the same at any
time of day. The last weeks' requests are still open; a few recent ones are withdrawn (now,
through the requester's status link), and a few requesters under way prepare a statement for
the police (verklaring) from their status link and share it with their peer. Once contacted,
a requester took follow-up steps (a melding, an aangifte, a beveiligingsadvies, a woningscan)
or let them go for a reason; the peer records them (now: a step keeps no earlier moment), so
the releases count them.
"""

from __future__ import annotations

import random
import re
from collections import Counter
from collections.abc import Iterator
from concurrent.futures import ThreadPoolExecutor
from dataclasses import dataclass, field
from datetime import date, datetime, time, timedelta
from typing import Any

import httpx
from ontour.clock import today
from ontour.devstack.tour_calendar import SCALED_YEARS, demo_scale

from aftercare.domain.steps import ForgoneReason, StepKind, StepStatus
from aftercare.domain.vocabulary import CaseOutcome, IncidentCategory, Referral, RequesterRole

API = "/aftercare/api/v1"
SEED = 20261206
DAYS = 730  # two years back
WITHDRAWN = 3
RECENT = 12  # requests in the last four weeks
WORKERS = 4  # calls at once where their order does not matter
STATEMENTS = 3  # requesters under way who prepare a statement and share it with their peer
PEERS = [
    {"id": "fatima.teamlid", "name": "Fatima El Amrani", "background": "oud-burgemeester",
     "gender": "vrouw", "capacity": 3, "expertise": ["online intimidatie", "doxing"],
     "regions": ["PV27", "PV28"]},
    {"id": "tom.teamlid", "name": "Tom Bakker", "background": "oud-wethouder", "gender": "man",
     "capacity": 2, "expertise": ["bedreiging"], "regions": ["PV26"]},
    {"id": "anne.teamlid", "name": "Anne de Boer", "background": "oud-raadslid",
     "gender": "vrouw", "capacity": 2, "expertise": ["online intimidatie"], "regions": ["PV20"]},
    {"id": "marieke.peer", "name": "Marieke Jansen (fictief)", "background": "oud-statenlid",
     "gender": "vrouw", "capacity": 3,
     "expertise": ["online intimidatie", "discriminatie of seksisme"],
     "regions": ["PV23", "PV25"]},
    {"id": "joost.peer", "name": "Joost Verhoeven (fictief)", "background": "oud-burgemeester",
     "gender": "man", "capacity": 3, "expertise": ["bedreiging", "fysiek geweld"],
     "regions": ["PV30", "PV31"]},
    {"id": "ingrid.peer", "name": "Ingrid Postma (fictief)", "background": "oud-gedeputeerde",
     "gender": "vrouw", "capacity": 2,
     "expertise": ["intimidatie thuis of bij de woning", "gericht tegen familie"],
     "regions": ["PV20", "PV21", "PV22"]},
]  # fmt: skip
# The mix of two years: raadsleden most, a single commissaris van de Koning.
ROLES = {
    RequesterRole.RAADSLID: 27,
    RequesterRole.WETHOUDER: 10,
    RequesterRole.BURGEMEESTER: 6,
    RequesterRole.STATENLID: 6,
    RequesterRole.GEDEPUTEERDE: 4,
    RequesterRole.GRIFFIER_AMBTENAAR: 6,
    RequesterRole.COMMISSARIS_VAN_DE_KONING: 1,
}
MUNICIPALITIES = {
    "GM0014": "PV20", "GM0034": "PV24", "GM0080": "PV21", "GM0106": "PV22", "GM0153": "PV23",
    "GM0193": "PV23", "GM0202": "PV25", "GM0268": "PV25", "GM0307": "PV26", "GM0344": "PV26",
    "GM0363": "PV27", "GM0392": "PV27", "GM0479": "PV27", "GM0518": "PV28", "GM0546": "PV28",
    "GM0599": "PV28", "GM0687": "PV29", "GM0772": "PV30", "GM0796": "PV30", "GM0855": "PV30",
    "GM0935": "PV31",
}  # fmt: skip
PROVINCES = sorted(set(MUNICIPALITIES.values()))
WOMEN = ["Sanne", "Noor", "Eva", "Lotte", "Fleur", "Iris", "Maaike", "Esther", "Yasmina",
         "Priya", "Anouk", "Femke", "Saskia", "Nadia", "Merel"]  # fmt: skip
MEN = ["Karel", "Daan", "Bram", "Joris", "Ruben", "Mehmet", "Pieter", "Sander", "Thijs",
       "Wouter", "Youssef", "Koen", "Jeroen"]  # fmt: skip
SURNAMES = ["de Wit", "Smits", "Visser", "Mulder", "de Graaf", "Bos", "Hendriks", "Dekker",
            "van Leeuwen", "Kaya", "Yilmaz", "El Idrissi", "Brouwer", "Vermeulen",
            "van den Berg", "Koster", "Prins"]  # fmt: skip
TOPICS = ["de opvang van asielzoekers", "windmolens", "een bestemmingsplan", "de begroting",
          "het parkeerbeleid", "een coronamaatregel", "de stikstofaanpak"]  # fmt: skip
OVERRIDES = ["Kent de regio goed (fictief voorbeeld).",
             "Heeft eerder met deze gemeente gewerkt (fictief voorbeeld)."]  # fmt: skip


@dataclass
class Case:
    """One fictional request and the moments of its steps (None: not (yet) taken)."""

    body: dict[str, Any]
    received: datetime
    matched: datetime | None = None
    contacted: datetime | None = None
    closed: datetime | None = None
    outcome: CaseOutcome = CaseOutcome.AFGEROND
    referrals: list[Referral] = field(default_factory=list)
    override: str | None = None
    withdraw: bool = False
    started: bool = True  # after first contact the case is under way ("lopend")
    follow_up: list[dict[str, Any]] = field(default_factory=list)  # steps, as the API takes
    reference: str = ""
    id: str = ""
    token: str = ""
    version: int = 1


def _during_day(day: date, rng: random.Random, first: int = 8, last: int = 21) -> datetime:
    return datetime.combine(day, time(rng.randint(first, last - 1), rng.randrange(0, 60, 5)))


def _later(moment: datetime, rng: random.Random, days: int) -> datetime:
    """A moment during the day ``days`` days after ``moment``, and after it."""
    return max(_during_day(moment.date() + timedelta(days=days), rng), moment + timedelta(hours=1))


def _incidents(rng: random.Random, woman: bool) -> list[str]:
    chances = {
        IncidentCategory.ONLINE_INTIMIDATIE: 0.8 if woman else 0.45,
        IncidentCategory.DISCRIMINATIE_OF_SEKSISME: 0.35 if woman else 0.05,
        IncidentCategory.DOXING: 0.15,
        IncidentCategory.BEDREIGING: 0.25 if woman else 0.5,
        IncidentCategory.INTIMIDATIE_THUIS: 0.12,
        IncidentCategory.GERICHT_TEGEN_FAMILIE: 0.08,
        IncidentCategory.FYSIEK_GEWELD: 0.04,
    }
    chosen = [c.value for c, chance in chances.items() if rng.random() < chance]
    return chosen or [IncidentCategory.BEDREIGING.value]


def _request(rng: random.Random, role: RequesterRole, received: datetime) -> dict[str, Any]:
    woman = rng.random() < 0.45
    first = rng.choice(WOMEN if woman else MEN)
    name = f"{first} {rng.choice(SURNAMES)} (fictief)"
    if role in (RequesterRole.STATENLID, RequesterRole.GEDEPUTEERDE,
                RequesterRole.COMMISSARIS_VAN_DE_KONING):  # fmt: skip
        organisation = province = rng.choice(PROVINCES)
    else:
        organisation = rng.choice(sorted(MUNICIPALITIES))
        province = MUNICIPALITIES[organisation]
    wish = "vrouw" if woman and rng.random() < 0.6 else "geen voorkeur"
    return {
        "role": role.value,
        "incident_categories": _incidents(rng, woman),
        "story": f"Fictief voorbeeld: na een debat over {rng.choice(TOPICS)} werd ik "
        f"{rng.choice(['online bedreigd', 'thuis lastiggevallen', 'uitgescholden'])}.",
        "happened_on": (received.date() - timedelta(days=rng.randint(0, 14))).isoformat(),
        "still_ongoing": rng.random() < 0.4,
        "reported": rng.choice([[], [], ["melding"], ["aangifte"], ["melding", "aangifte"]]),
        "organisation_code": organisation,
        "province_code": province,
        "gender_wish": wish,
        "wants_same_background": rng.random() < 0.25,
        "contact_modes": rng.sample(["telefoon", "video", "persoonlijk"], rng.randint(1, 2)),
        "name": name,
        "email": f"{first.lower()}.{rng.randint(100, 999)}@example.org",
        "consent_handling": True,
        "consent_share_with_peer": rng.random() < 0.8,
        "consent_statistics": rng.random() < 0.85,
        "received_at": received.isoformat(timespec="minutes"),
    }


# Per step: the chance someone took it, the chance it was done (else still requested), and
# the chance someone let it go instead (with the weights of the reasons).
FOLLOW_UP = {
    StepKind.MELDING: (0.45, 0.9, 0.15),
    StepKind.AANGIFTE: (0.3, 0.8, 0.25),
    StepKind.BEVEILIGINGSADVIES: (0.2, 0.6, 0.1),
    StepKind.WONINGSCAN: (0.1, 0.5, 0.1),
}
REASONS = {
    ForgoneReason.GEEN_VERTROUWEN: 3,
    ForgoneReason.TE_VEEL_GEDOE: 3,
    ForgoneReason.ANGST_VOOR_GEVOLGEN: 4,
    ForgoneReason.ANDERS: 1,
}


def _follow_up(rng: random.Random) -> list[dict[str, Any]]:
    """The follow-up steps of one contacted request (fictional registration numbers)."""
    steps: list[dict[str, Any]] = []
    for kind, (taken, done, let_go) in FOLLOW_UP.items():
        draw = rng.random()
        if draw < taken:
            status = StepStatus.AFGEROND if rng.random() < done else StepStatus.AANGEVRAAGD
            step: dict[str, Any] = {"kind": kind.value, "status": status.value}
            if kind is StepKind.AANGIFTE and status is StepStatus.AFGEROND:
                step["registration_number"] = f"PL0000-DEMO-{rng.randint(10000, 99999)}"
            steps.append(step)
        elif draw < taken + let_go:
            reason = rng.choices(list(REASONS), weights=list(REASONS.values()))[0]
            steps.append({"kind": kind.value, "status": StepStatus.AFGEZIEN.value,
                          "reason": reason.value})  # fmt: skip
    return steps


def _days_before(rng: random.Random, scale: int) -> list[int]:
    """When the requests came in (days before today): more lately, as the programme grew,
    and a dozen in the last weeks (the coordinator's queue). At a larger scale
    (``ONTOUR_DEMO_SCALE``) ``scale`` times the older requests over five years."""
    count = sum(ROLES.values()) * scale
    days = DAYS if scale == 1 else SCALED_YEARS * 365
    recent = [1, 1, 2, 3] + [rng.randint(4, 28) for _ in range(RECENT - 4)]
    older = [int(29 + (days - 29) * (1 - rng.random()) ** 1.3) for _ in range(count - RECENT)]
    return sorted(recent + older, reverse=True)


def plan(today: date, seed: int = SEED, scale: int | None = None) -> list[Case]:
    """Every request with the moments of its steps (naive: Dutch time); only steps before
    today's midnight are taken."""
    scale = demo_scale() if scale is None else scale
    rng = random.Random(seed)
    roles = [role for role, count in ROLES.items() for _ in range(count * scale)]
    rng.shuffle(roles)
    follow_up = random.Random(seed + 1)  # apart: the requests stay what they were
    midnight = datetime.combine(today, time())
    cases = []
    for role, days in zip(roles, _days_before(rng, scale), strict=True):
        received = _during_day(today - timedelta(days=days), rng)
        case = Case(_request(rng, role, received), received)
        # Most are matched within a day or two, first contact mostly the same or next day;
        # yesterday's requests still wait, the one before has a peer but no contact yet, the
        # one before that had first contact but is not under way yet.
        match_days = rng.choice([0, 0, 0, 0, 0, 1, 1, 1, 2, 3])
        contact_days = rng.choice([0, 0, 0, 0, 1, 1, 1, 1, 2, 4])
        if days == 3:
            match_days, contact_days = 0, 1
        matched = _later(received, rng, 1 if days == 1 else match_days)
        contacted = _later(matched, rng, 2 if days == 2 else contact_days)
        case.started = days != 3
        closed = _later(contacted, rng, rng.randint(14, 90))
        case.override = rng.choice(OVERRIDES) if rng.random() < 0.08 else None
        case.outcome = rng.choices(
            [CaseOutcome.AFGEROND, CaseOutcome.DOORVERWEZEN, CaseOutcome.GEEN_BEHOEFTE_MEER],
            weights=[55, 28, 17],
        )[0]
        referred = case.outcome is CaseOutcome.DOORVERWEZEN or rng.random() < 0.4
        case.referrals = rng.sample(list(Referral), rng.randint(1, 2)) if referred else []
        case.matched = matched if matched < midnight else None
        case.contacted = contacted if case.matched and contacted < midnight else None
        case.closed = closed if case.contacted and closed < midnight else None
        case.follow_up = _follow_up(follow_up) if case.contacted else []
        cases.append(case)
    still_open = [c for c in cases if c.closed is None][:-2]  # the newest two stay
    for case in rng.sample(still_open, min(WITHDRAWN, len(still_open))):
        case.withdraw = True
    return cases


def _post(client: httpx.Client, path: str, body: dict[str, Any]) -> None:
    client.post(f"{API}/verzoeken/{path}", json=body).raise_for_status()


def _match(client: httpx.Client, case: Case, at: str) -> bool:
    """Link the proposed peer (now and then another one, with a reason); False when no peer
    has room."""
    proposal = client.get(f"{API}/verzoeken/{case.id}/voorstel").json()
    if proposal["best"] is None:
        return False
    chosen, reason = proposal["best"]["peer_id"], None
    if case.override and proposal["alternatives"]:
        chosen, reason = proposal["alternatives"][0]["peer_id"], case.override
    _post(client, f"{case.id}/koppeling", {"peer_id": chosen, "override_reason": reason,
                                           "version": case.version, "matched_at": at})  # fmt: skip
    return True


def _step(client: httpx.Client, at: datetime, kind: str, case: Case) -> None:
    moment = at.isoformat(timespec="minutes")
    if kind == "koppeling":
        if not _match(client, case, moment):
            case.matched = None  # no peer has room (not in this demo)
            return
    elif kind == "contact":
        mode = case.body["contact_modes"][0]
        _post(client, f"{case.id}/contact", {"mode": mode, "version": case.version,
                                             "contacted_at": moment})  # fmt: skip
        if case.started:
            case.version += 1
            _post(client, f"{case.id}/start", {"version": case.version})
    else:
        _post(client, f"{case.id}/afsluiting", {
            "outcome": case.outcome.value, "referrals": [r.value for r in case.referrals],
            "version": case.version, "closed_at": moment})  # fmt: skip
    case.version += 1


def _submit(client: httpx.Client, case: Case) -> None:
    received = client.post(f"{API}/verzoeken", json=case.body)
    received.raise_for_status()
    case.reference = received.json()["reference"]
    case.token = received.json()["status_url"].rsplit("/", 1)[-1]


def _in_order(client: httpx.Client, pool: ThreadPoolExecutor, cases: list[Case]) -> None:
    """Every step in the order it happened. A match must see every step before it (a close
    frees a place), so it runs alone; the contacts and closes between two matches run at
    once, in order per case."""
    steps = [
        (at, kind, case)
        for case in cases
        for kind, at in [
            ("koppeling", case.matched),
            ("contact", case.contacted),
            ("afsluiting", case.closed),
        ]
        if at is not None
    ]
    between: dict[str, list[tuple[datetime, str, Case]]] = {}

    def per_case(run: list[tuple[datetime, str, Case]]) -> None:
        for at, kind, case in run:
            if case.matched is not None:  # else no peer had room: it still waits
                _step(client, at, kind, case)

    def catch_up() -> None:
        list(pool.map(per_case, between.values()))
        between.clear()

    for at, kind, case in sorted(steps, key=lambda step: step[0]):
        if kind == "koppeling":
            catch_up()
            _step(client, at, kind, case)
        else:
            between.setdefault(case.id, []).append((at, kind, case))
    catch_up()


def _record_follow_up(client: httpx.Client, case: Case) -> None:
    for step in case.follow_up:
        if case.matched is not None:  # else no peer had room: it still waits
            _post(client, f"{case.id}/vervolgstappen", step)


def _prepare_statement(client: httpx.Client, case: Case) -> None:
    """The requester, without an account, saves a statement from their status link (the
    story pre-filled, a fictional place and town hall) and shares it with their peer."""
    url = f"/aftercare/status/{case.token}/verklaring"
    form = client.get(url, headers={"Authorization": "", "Accept": "text/html"})
    form.raise_for_status()
    token = re.search(r'name="csrf_token" value="([^"]+)"', form.text)
    # As a browser would: its CSRF cookie back (Secure behind https, so httpx would not).
    cookie = "; ".join(f"{name}={value}" for name, value in form.cookies.items())
    public = {"Authorization": "", "Accept": "text/html", "Cookie": cookie}
    entries = {
        "csrf_token": token[1] if token else "",
        "version": "0",
        "happened_on": case.body["happened_on"],
        "place": "Fictief voorbeeld: na afloop van de raadsvergadering, bij het gemeentehuis",
        "what_happened": case.body["story"],
        "incident_categories": case.body["incident_categories"],
        "still_ongoing": "ja" if case.body["still_ongoing"] else "nee",
        "domicile": "organisatie",
        "organisation_address": "Fictief: Raadhuisplein 1, 1234 AB Voorbeeld",
    }
    for path, data in [("", entries), ("/delen", {"share": "ja", "version": "1"})]:
        sent = client.post(f"{url}{path}", data={"csrf_token": entries["csrf_token"], **data},
                           headers=public)  # fmt: skip
        if sent.status_code != 303:
            sent.raise_for_status()


def _listed(client: httpx.Client, *, closed: bool) -> Iterator[dict[str, Any]]:
    """Every open case of the queue's API (or every closed and withdrawn one), page by page."""
    url: str | None = f"{API}/verzoeken?afgesloten={str(closed).lower()}&perPagina=100"
    while url is not None:
        response = client.get(url)
        response.raise_for_status()
        page = response.json()
        yield from page["items"]
        url = page["links"]["next"]["href"] if page["links"]["next"] else None


def load(client: httpx.Client) -> str:
    for peer in PEERS:
        response = client.post(f"{API}/peers", json=peer)
        if response.status_code != 409:
            response.raise_for_status()
    cases = plan(today())
    with ThreadPoolExecutor(WORKERS) as pool:
        list(pool.map(lambda case: _submit(client, case), cases))
        ids = {c["reference"]: c["id"] for c in _listed(client, closed=False)}
        for case in cases:
            case.id = ids[case.reference]
        _in_order(client, pool, cases)
        list(pool.map(lambda case: _record_follow_up(client, case), cases))
    for case in cases:
        if case.withdraw:
            withdrawn = client.post(f"/aftercare/status/{case.token}/intrekken")
            if withdrawn.status_code != 303:
                withdrawn.raise_for_status()
    under_way = [c for c in cases if c.contacted and not c.closed and not c.withdraw]
    for case in under_way[-STATEMENTS:]:
        _prepare_statement(client, case)
    # Only this demo's requests: on a system already in use the queue holds others too.
    references = {case.reference for case in cases}
    listed = [*_listed(client, closed=False), *_listed(client, closed=True)]
    statuses = Counter(c["status"] for c in listed if c["reference"] in references)
    open_ = sum(n for s, n in statuses.items() if s not in ("afgesloten", "ingetrokken"))
    return (
        f"{len(PEERS)} peers, {len(cases)} nazorgverzoeken over "
        f"{'twee' if demo_scale() == 1 else 'vijf'} jaar "
        f"({statuses['afgesloten']} afgesloten, {statuses['ingetrokken']} ingetrokken, "
        f"{open_} open)"
    )
