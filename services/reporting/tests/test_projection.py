"""What events change in the read models (pure): corrections, late and repeated events, and
a batch giving exactly what the same events give one at a time (what makes rebuild == live)."""

from __future__ import annotations

import uuid
from datetime import UTC, date, datetime, timedelta

from hypothesis import given
from hypothesis import strategies as st
from ontour.contracts.aftercare import (
    NazorgAangevraagd,
    NazorgAfgesloten,
    NazorgContactGelegd,
    NazorgGematcht,
    NazorgGewist,
    NazorgStapGewijzigd,
)
from ontour.contracts.intake import VoorgesprekGeannuleerd, VoorgesprekGehouden
from ontour.contracts.scheduling import SessieGepland, SessieVerplaatst
from reporting.domain.projection import CHANGES, Change, Kind, Table, apply, apply_all
from reporting.models import READ_MODELS

AT = datetime(2025, 3, 1, 9, tzinfo=UTC)
IDS = [uuid.UUID(int=n) for n in range(3)]


def change(data) -> Change:
    return CHANGES[type(data)](data, AT)


def held(revision: int, day: int = 1, key: uuid.UUID = IDS[0]) -> VoorgesprekGehouden:
    return VoorgesprekGehouden(
        voorgesprek_id=key, organisation_code="GM0344", held_on=date(2025, 3, day),
        mode="fysiek", revision=revision,
    )  # fmt: skip


def one_at_a_time(changes: list[Change]) -> dict:
    rows: dict = {}
    for c in changes:
        rows.update(apply_all(rows, [c]))
    return rows


def test_a_correction_replaces_and_a_late_older_revision_changes_nothing():
    rows = one_at_a_time([change(held(1, day=1)), change(held(3, day=3)), change(held(2, day=2))])
    assert rows[IDS[0]]["held_on"] == date(2025, 3, 3)
    assert rows[IDS[0]]["revision"] == 3


def test_a_new_row_takes_every_value_at_the_changes_revision():
    values = {"status": "gepland", "held_on": date(2025, 3, 1)}
    new = Change(Table.VOORGESPREK, IDS[0], Kind.SET, values, 3)
    assert apply(None, new) == {**values, "revisions": {"status": 3, "held_on": 3}, "revision": 3}
    assert apply(None, new._replace(values={})) is None  # nothing to set: still no row


def test_a_cancellation_before_its_voorgesprek_is_kept_as_a_tombstone():
    cancelled = VoorgesprekGeannuleerd(voorgesprek_id=IDS[0], organisation_code="GM0344",
                                       revision=2)  # fmt: skip
    assert apply_all({}, [change(cancelled)]) == {
        IDS[0]: {"status": "geannuleerd", "revision": 2, "revisions": {"status": 2}}
    }
    row = one_at_a_time([change(cancelled), change(held(1, day=4))])[IDS[0]]
    assert (row["status"], row["held_on"], row["revision"]) == ("geannuleerd", date(2025, 3, 4), 2)


def test_a_move_keeps_the_rest_of_the_session():
    times = {"organisation_code": "GM0344", "request_id": IDS[0], "starts_at": "19:30",
             "ends_at": "21:30"}  # fmt: skip
    planned = SessieGepland(session_id=IDS[1], on=date(2025, 5, 1),
                            team_size=2, revision=1, **times)  # fmt: skip
    moved = SessieVerplaatst(session_id=IDS[1], previous_on=date(2025, 5, 1),
                             on=date(2025, 6, 1), revision=2, **times)  # fmt: skip
    row = one_at_a_time([change(planned), change(moved)])[IDS[1]]
    assert (row["status"], row["on"], row["team_size"], row["planned_at"]) == (
        "bevestigd", date(2025, 6, 1), 2, AT,
    )  # fmt: skip


def test_a_case_keeps_its_earliest_day_its_categories_and_no_moment():
    requested = NazorgAangevraagd(
        case_id=IDS[2],
        at=AT,
        statistics_consent=True,
        role_category="wethouder",
        incident_categories=["bedreiging"],
    )
    later = NazorgGematcht(case_id=IDS[2], at=AT + timedelta(days=1), statistics_consent=True)
    again = NazorgGematcht(case_id=IDS[2], at=AT + timedelta(days=5), statistics_consent=True)
    row = one_at_a_time([change(requested), change(again), change(later)])[IDS[2]]
    assert (row["requested_on"], row["matched_on"]) == (date(2025, 3, 1), date(2025, 3, 2))
    assert row["days_to_match"] == 1
    assert (row["role"], row["incidents"]) == ("wethouder", ["bedreiging"])  # not erased
    assert not any(isinstance(value, datetime) for value in row.values())


def test_a_case_without_consent_is_not_kept():
    contacted = NazorgContactGelegd(case_id=IDS[2], at=AT, statistics_consent=False,
                                    within_service_level=True)  # fmt: skip
    assert one_at_a_time([change(contacted)]) == {}


def test_an_erased_case_keeps_months_and_days_only():
    """After erasure the statistics record holds what releases publish, nothing finer."""
    base = {"case_id": IDS[2], "statistics_consent": True, "role_category": "raadslid",
            "incident_categories": ["online intimidatie"]}  # fmt: skip
    steps = [
        NazorgAangevraagd(at=AT + timedelta(days=9), **base),
        NazorgContactGelegd(at=AT + timedelta(days=11), within_service_level=True, **base),
        NazorgAfgesloten(at=AT + timedelta(days=30), outcome="nazorg afgerond", **base),
        NazorgGewist(at=AT + timedelta(days=400), **base),
    ]
    row = one_at_a_time([change(step) for step in steps])[IDS[2]]
    assert row["requested_on"] == date(2025, 3, 1)  # 10 March, as its month
    assert row["contacted_on"] == date(2025, 3, 1)
    assert row["ended_on"] == date(2025, 3, 1)  # 31 March
    assert (row["days_to_contact"], row["erased"], row["outcome"]) == (2, True, "nazorg afgerond")
    # A step delivered after the erasure counts in its month; no duration from months.
    late = NazorgGematcht(at=AT + timedelta(days=10), **base)
    after = one_at_a_time([*(change(s) for s in steps), change(late)])[IDS[2]]
    assert after == {**row, "matched_on": date(2025, 3, 1)}


def _event(kind: int, key: int, revision: int, day: int):
    if kind == 0:
        return held(revision, day, IDS[key])
    if kind == 1:
        return VoorgesprekGeannuleerd(voorgesprek_id=IDS[key], organisation_code="GM0344",
                                      revision=revision)  # fmt: skip
    return NazorgGematcht(case_id=IDS[key], at=AT + timedelta(days=day),
                          statistics_consent=revision % 2 == 0)  # fmt: skip


events = st.lists(
    st.builds(_event, st.integers(0, 2), st.integers(0, 2), st.integers(1, 4),
              st.integers(1, 28)),
    max_size=30,
)  # fmt: skip


@given(events, st.integers(1, 30))
def test_a_batch_gives_exactly_what_the_events_give_one_at_a_time(sequence, batch_size):
    changes = [change(e) for e in sequence]
    expected = {}
    for table in {c.table for c in changes}:
        expected[table] = one_at_a_time([c for c in changes if c.table is table])
    batched: dict = {}
    for start in range(0, len(changes), batch_size):
        for table in {c.table for c in changes}:
            part = [c for c in changes[start : start + batch_size] if c.table is table]
            batched.setdefault(table, {}).update(apply_all(batched.get(table, {}), part))
    assert batched == expected


def test_every_table_the_projection_writes_has_its_read_model():
    assert set(READ_MODELS) == set(Table)


def test_a_step_keeps_its_latest_revision_and_no_moment():
    def step(status: str, revision: int, reason: str | None = None) -> NazorgStapGewijzigd:
        return NazorgStapGewijzigd(case_id=IDS[1], at=AT + timedelta(days=revision),
                                   kind="aangifte", status=status, reason=reason,
                                   revision=revision)  # fmt: skip

    let_go = step("afgezien", 3, "angst voor gevolgen")
    late = [change(step("voorgesteld", 1)), change(let_go), change(step("aangevraagd", 2))]
    [row] = one_at_a_time(late).values()
    assert (row["kind"], row["status"], row["reason"]) == ("aangifte", "afgezien",
                                                           "angst voor gevolgen")  # fmt: skip
    assert not any(isinstance(value, datetime | date) for value in row.values())


def test_a_request_says_whether_its_requester_had_already_reported():
    requested = NazorgAangevraagd(case_id=IDS[2], at=AT, statistics_consent=True,
                                  role_category="raadslid", already_reported=False)  # fmt: skip
    assert one_at_a_time([change(requested)])[IDS[2]]["already_reported"] is False
