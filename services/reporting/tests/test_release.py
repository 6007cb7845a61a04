"""Releases of figures about people: fixed shape, one suppression pattern, frozen, and the
differencing attacks that broke the old live figures — each must now fail."""

from __future__ import annotations

from datetime import date, timedelta

import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st
from reporting.domain.attacker import audit, sums_to
from reporting.domain.audit import audit_releases, published_information
from reporting.domain.disclosure import Reason, Suppressed
from reporting.domain.quarters import Quarter
from reporting.domain.release import (
    ENDINGS,
    FORGONE,
    INCIDENTS,
    LED_TO,
    MERGED,
    REFERRALS,
    ROLES,
    THEMES,
    CaseFacts,
    Release,
    VoorgesprekFacts,
    build_release,
    year_view,
)
from reporting.domain.release_document import from_document, to_document
from reporting.usecases.figures import release_tables

K3 = Quarter(2026, 3)
SMALL = Suppressed(Reason.SMALL_COUNT)


def case(day: date, role: str = "raadslid", incidents: tuple[str, ...] = ("bedreiging",),
         **extra) -> CaseFacts:  # fmt: skip
    return CaseFacts(role=role, incidents=incidents, wants_woman=False, requested_on=day, **extra)


def rows(release: Release, table: str) -> dict[str, object]:
    shape = next(t for t in release.tables if t.name == table)
    return {row.label: release.cell(row.cell) for row in shape.rows}


def unprotected(releases: list[Release]) -> list[str]:
    return [row.cell for row in audit_releases(releases) if not row.protected]


def test_an_empty_quarter_is_a_release_with_every_row():
    release = build_release(K3, [], [], [], 5)
    assert list(rows(release, "nazorg-per-functie")) == [*ROLES, "totaal"]
    assert list(rows(release, "nazorg-per-incident")) == [*INCIDENTS, "verzoeken (totaal)"]
    assert list(rows(release, "nazorg-afloop")) == [*ENDINGS, "totaal"]
    assert list(rows(release, "nazorg-doorverwijzingen"))[:-1] == REFERRALS
    assert list(rows(release, "nazorg-per-maand")) == ["jul 2026", "aug 2026", "sep 2026", "totaal"]
    assert set(rows(release, "nazorg-per-functie").values()) == {SMALL}
    # No voorgesprek (a public figure): its breakdowns are 0 for everyone to see.
    assert set(rows(release, "voorgesprekken-themas").values()) == {0}
    assert unprotected([release]) == []


def test_a_missing_row_no_longer_says_zero():
    """The old tables listed only roles with cases: absent meant 0 and "<5" meant 1..4."""
    release = build_release(K3, [case(date(2026, 7, 1)) for _ in range(12)], [], [], 5)
    functies = rows(release, "nazorg-per-functie")
    assert functies["burgemeester"] == SMALL  # zero, shown like any small count
    assert functies["raadslid"] == Suppressed(Reason.DERIVABLE)  # 12 = raadslid + the small rows
    assert functies["totaal"] == 12
    assert unprotected([release]) == []


def test_one_kings_commissioner_cannot_be_told_apart():
    """14 requests, one of them by a commissaris van de Koning: the row is "<5" and nothing
    published proves it is at least 1 (the old figures showed a new row appear)."""
    requests = [case(date(2026, 8, 1 + i % 20), incidents=("online intimidatie",))
                for i in range(13)]  # fmt: skip
    requests.append(case(date(2026, 9, 2), role="commissaris van de Koning",
                         incidents=("online intimidatie",)))  # fmt: skip
    release = build_release(K3, requests, [], [], 5)
    cells, relations = published_information([release])
    kcell = next(r.cell for t in release.tables if t.name == "nazorg-per-functie"
                 for r in t.rows if r.label == "commissaris van de Koning")  # fmt: skip
    assert release.cells[kcell] == SMALL
    assert audit(cells, relations, [kcell])[kcell].low == 0
    assert unprotected([release]) == []


def test_the_attack_works_on_the_old_shape_and_fails_on_ours():
    """6 requests: 5 by raadsleden, 1 by a burgemeester. The old table listed the two roles
    with cases and hid the 1: the total minus 5 gives it away. The release lists every role
    and protects all tables together."""
    old_shape = {"raadslid": 5, "burgemeester": SMALL, "totaal": 6}
    old = audit(old_shape, [sums_to("totaal", ["raadslid", "burgemeester"])])
    assert old["burgemeester"].low == 1
    requests = [case(date(2026, 7, 2)) for _ in range(5)]
    requests.append(case(date(2026, 7, 3), role="burgemeester"))
    release = build_release(K3, requests, [], [], 5)
    assert rows(release, "nazorg-per-functie")["burgemeester"] == SMALL
    assert unprotected([release]) == []


def test_a_late_request_does_not_change_a_release_but_shows_up_as_a_correction():
    """One request arriving between two reads: the release read twice is the same document;
    the late one is counted in the next release's corrections line."""
    requests = [case(date(2026, 7, 1 + i)) for i in range(9)]
    k3 = build_release(K3, requests, [], [], 5)
    stored = to_document(k3)
    late = [*requests, case(date(2026, 9, 30), role="burgemeester")]
    k4 = build_release(K3.next(), late, [], [from_document(stored)], 5)
    assert from_document(stored) == k3  # what is served does not move
    assert rows(k4, "nazorg-correcties") == {
        "verzoeken uit eerdere kwartalen die pas na hun vrijgave bekend werden": SMALL
    }
    assert k4.counts[next(k for k in k4.cells if k.endswith("nazorg-correcties|verzoeken"))] == 1
    assert unprotected([k3, k4]) == []


def test_a_year_against_its_quarters_gives_nothing_away():
    """Each quarter hides a role to protect its zero rows; the year total of such a role next
    to the quarters would pin it down. The year view withholds exactly such cells, and the
    attacker over the four releases and the year finds nothing."""
    year = 2025
    releases: list[Release] = []
    for number in range(1, 5):
        quarter = Quarter(year, number)
        requests = [case(quarter.first_day + timedelta(days=i)) for i in range(10)]
        if number == 4:
            requests.append(case(quarter.first_day, role="commissaris van de Koning"))
        releases.append(build_release(quarter, requests, [], releases, 5))
    view = year_view(year, releases)
    assert view is not None
    cells, relations = published_information(releases)
    withheld = [cell for cell, value in view.cells.items()
                if value == Suppressed(Reason.DERIVED)]  # fmt: skip
    assert withheld
    for cell in withheld:
        _, table, label = cell.split("|")
        parts = [next(row.cell for t in r.tables if t.name == table for row in t.rows
                      if row.label == label) for r in releases]  # fmt: skip
        naive = {**cells, cell: sum(r.counts[p] for r, p in zip(releases, parts, strict=True))}
        attacked = audit(naive, [*relations, sums_to(cell, parts)], parts)
        assert any(not i.protects(Reason.SMALL_COUNT) for i in attacked.values()), cell
    functies = {row.label: view.cells[row.cell] for t in view.tables
                if t.name == "nazorg-per-functie" for row in t.rows}  # fmt: skip
    assert functies["commissaris van de Koning"] == SMALL  # 1 in the year: still "<5"
    assert unprotected(releases) == []
    assert year_view(2026, releases) is None  # only complete years


def test_the_year_view_shows_sums_where_the_quarters_were_shown():
    releases: list[Release] = []
    for number in range(1, 5):
        quarter = Quarter(2025, number)
        requests = [case(quarter.first_day + timedelta(days=i)) for i in range(12)]
        releases.append(build_release(quarter, requests, [], releases, 5))
    view = year_view(2025, releases)
    assert view is not None
    functies = {row.label: view.cells[row.cell] for t in view.tables
                if t.name == "nazorg-per-functie" for row in t.rows}  # fmt: skip
    assert functies["totaal"] == 48
    assert functies["burgemeester"] == SMALL


def test_a_release_survives_its_own_storage():
    requests = [case(date(2026, 8, 3), outcome="doorverwezen", ended_on=date(2026, 8, 20),
                     referrals=("psychologische hulp",)) for _ in range(7)]  # fmt: skip
    release = build_release(K3, requests, [], [], 5)
    assert from_document(to_document(release)) == release
    assert MERGED not in to_document(release)["cellen"].values()


def test_voorgesprek_themes_are_protected_against_the_public_count():
    held = [VoorgesprekFacts(date(2026, 7, 1 + i), ("nazorg",) if i else ("integriteit",), 1)
            for i in range(9)]  # fmt: skip
    release = build_release(K3, [], held, [], 5)
    themes = rows(release, "voorgesprekken-themas")
    assert themes["voorgesprekken gehouden"] == 9  # a tour figure: exact
    assert themes["integriteit"] == SMALL
    assert themes["nazorg"] == 8  # themes are many-valued: 9 - 8 pins nothing
    assert unprotected([release]) == []


# --- follow-up steps -------------------------------------------------------------------------


def test_the_steps_requests_led_to_and_the_reasons_for_letting_them_go_are_released():
    ended = date(2026, 8, 3)
    cases = [
        *(case(date(2026, 7, 1), ended_on=ended, outcome="doorverwezen",
               steps=(("aangifte", "afgerond", None), ("melding", "afgerond", None)))
          for _ in range(6)),
        *(case(date(2026, 7, 2), ended_on=ended, outcome="nazorg afgerond",
               steps=(("aangifte", "afgezien", "angst voor gevolgen"),
                      ("beveiligingsadvies", "aangevraagd", None)))
          for _ in range(6)),
        *(case(date(2026, 7, 3), ended_on=ended, outcome="nazorg afgerond") for _ in range(8)),
    ]  # fmt: skip
    release = build_release(K3, cases, [], [], 5)
    assert list(rows(release, "nazorg-vervolgstappen")) == [
        *LED_TO.values(),
        "afgesloten of ingetrokken (totaal)",
    ]
    led_to = rows(release, "nazorg-vervolgstappen")
    assert led_to["een aangifte bij de politie"] == 6
    assert led_to["een beveiligingsadvies"] == SMALL  # requested, not (yet) received: 0
    assert led_to["afgesloten of ingetrokken (totaal)"] == 20
    reasons = rows(release, "nazorg-afgezien")
    assert list(reasons)[:-1] == FORGONE and reasons["angst voor gevolgen"] == 6
    headline = rows(release, "nazorg-kerncijfers")
    share = "aandeel afgesloten of ingetrokken verzoeken dat leidde tot "
    assert headline[share + "een aangifte bij de politie"] == pytest.approx(0.3)
    assert headline[share + "een beveiligingsadvies"] == Suppressed(Reason.DERIVED)
    assert unprotected([release]) == []
    # Shown as percentages, where the released aftercare figures are shown (page, PDF).
    [shown] = [t for t in release_tables(release) if t.name == "nazorg-kerncijfers"]
    shares = {n for n, row in enumerate(shown.rows) if str(row[0]).startswith("aandeel")}
    assert len(shares) == 4 and shares <= shown.percentage_rows


def test_time_to_first_contact_is_released_by_whether_the_requester_had_reported():
    def contacted(reported: bool, waited: int) -> CaseFacts:
        return case(date(2026, 7, 1), contacted_on=date(2026, 7, 1) + timedelta(days=waited),
                    days_to_contact=waited, already_reported=reported)  # fmt: skip

    cases = [*(contacted(True, 1) for _ in range(5)), *(contacted(False, 3) for _ in range(4))]
    lead_times = rows(build_release(K3, cases, [], [], 5), "nazorg-doorlooptijden")
    had = "eerste contact, mediaan, wie vóór het verzoek al had gemeld of aangifte gedaan"
    assert lead_times[had] == 1.0
    # Four observations: below the threshold, hidden.
    assert lead_times["eerste contact, mediaan, wie dat nog niet had gedaan"] == Suppressed(
        Reason.FEW_OBSERVATIONS
    )


# --- property tests ---------------------------------------------------------------------------

STEPS = [
    ("melding", "afgerond", None), ("aangifte", "afgerond", None),
    ("aangifte", "afgezien", "angst voor gevolgen"), ("woningscan", "afgezien", "te veel gedoe"),
    ("beveiligingsadvies", "afgezien", "anders"),
]  # fmt: skip

cases_in = st.builds(
    lambda offset, role, incidents, ended, outcome, referrals, contact, steps: CaseFacts(
        role=role, incidents=tuple(incidents), wants_woman=offset % 3 == 0,
        requested_on=date(2025, 1, 1) + timedelta(days=offset),
        ended_on=date(2025, 1, 1) + timedelta(days=offset + 20) if ended else None,
        withdrawn=outcome is None and ended, outcome=outcome, referrals=tuple(referrals),
        contacted_on=date(2025, 1, 1) + timedelta(days=offset + 1),
        within_service_level=contact, days_to_contact=1, already_reported=contact,
        steps=tuple(steps),
    ),
    st.integers(0, 364),
    st.sampled_from(ROLES),
    st.lists(st.sampled_from(INCIDENTS), min_size=1, max_size=3, unique=True),
    st.booleans(),
    st.sampled_from([*ENDINGS[:4], None]),
    st.lists(st.sampled_from(REFERRALS), max_size=2, unique=True),
    st.sampled_from([True, False, None]),
    st.lists(st.sampled_from(STEPS), max_size=2, unique_by=lambda step: step[0]),
)  # fmt: skip
voorgesprekken_in = st.builds(
    lambda offset, themes, incidents: VoorgesprekFacts(
        date(2025, 1, 1) + timedelta(days=offset), tuple(themes), incidents
    ),
    st.integers(0, 364),
    st.lists(st.sampled_from(THEMES), max_size=3, unique=True),
    st.sampled_from([None, 0, 1, 3]),
)


@settings(max_examples=6, deadline=None, suppress_health_check=[HealthCheck.too_slow])
@given(st.lists(cases_in, max_size=60), st.lists(voorgesprekken_in, max_size=40))
def test_random_years_of_releases_resist_the_attack(cases, held):
    """Four quarters released in turn (each with every earlier one) and the year view: the
    attacker finds no hidden cell it can pin down, and no "<5" it can prove is at least 1."""
    releases: list[Release] = []
    quarter = Quarter(2025, 1)
    for _ in range(4):
        releases.append(build_release(quarter, cases, held, releases, 5))
        quarter = quarter.next()
    assert unprotected(releases) == []


@settings(max_examples=10, deadline=None, suppress_health_check=[HealthCheck.too_slow])
@given(st.lists(cases_in, max_size=30), st.lists(cases_in, min_size=1, max_size=5))
def test_late_requests_never_change_earlier_releases(first, late):
    """Releases made with and without requests that arrived late are the same up to the
    quarter before the late ones were known: only the correction line moves."""
    q1 = build_release(Quarter(2025, 1), first, [], [], 5)
    q2_on_time = build_release(Quarter(2025, 2), first, [], [q1], 5)
    q2_late = build_release(Quarter(2025, 2), [*first, *late], [], [q1], 5)
    corrections = [k for k in q2_late.cells if "nazorg-correcties" in k]
    early = sum(1 for c in late if c.requested_on in Quarter(2025, 1))
    assert q2_late.counts[corrections[0]] == early
    assert q2_on_time.counts[corrections[0]] == 0
    assert unprotected([q1, q2_late]) == []


def test_a_row_hiding_cannot_protect_is_merged_into_anders(monkeypatch):
    """When no choice of hidden cells protects a row (rare: the markers' bounds alone give it
    away), the row goes into "anders" with the reason, and the release is protected again."""
    import reporting.domain.release as module

    real = module._cheapest_cover
    refused: list[str] = []

    def hiding_cannot_help(exposed, cells, q, linked):
        if "|nazorg-per-functie|" in exposed and not exposed.endswith("|anders") and not refused:
            refused.append(exposed)
            return None
        return real(exposed, cells, q, linked)

    monkeypatch.setattr(module, "_cheapest_cover", hiding_cannot_help)
    # Five raadsleden over three months: 5 published would pin every other role at 0.
    requests = [case(date(2026, 7 + i % 3, 2)) for i in range(5)]
    release = build_release(K3, requests, [], [], 5)
    [exposed] = refused
    row = exposed.split("|")[2]
    assert rows(release, "nazorg-per-functie")[row] == MERGED
    assert release.merged == (
        ("nazorg-per-functie", row, "af te leiden, ook met alle buurcellen verborgen"),
    )
    other = next(k for k in release.cells if k.endswith("nazorg-per-functie|anders"))
    merged_requests = sum(1 for r in requests if r.role == row)
    assert release.counts[other] == merged_requests  # counted under "anders" now
    assert unprotected([release]) == []


def test_a_release_that_cannot_be_protected_is_refused(monkeypatch):
    import reporting.domain.release as module

    monkeypatch.setattr(module, "_cheapest_cover", lambda *_: None)
    requests = [case(date(2026, 7, 2)) for _ in range(8)]
    with pytest.raises(module.NotPublishable, match=r"2026-K3.*'anders'"):
        build_release(K3, requests, [], [], 5)
