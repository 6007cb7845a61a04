"""First contact within N working days: deadlines around Dutch holidays, states and alerts."""

from __future__ import annotations

from datetime import UTC, date, datetime, time, timedelta

import holidays
import pytest
from aftercare.domain.service_level import (
    AMSTERDAM,
    DUTCH_CALENDAR,
    AlertKind,
    Recipient,
    SlaPolicy,
    SlaState,
    WorkingCalendar,
    alerts_due,
    deadline,
    state,
)
from aftercare.domain.vocabulary import ContactMode
from aftercare.domain.workflow import AftercareCase, match, record_contact, withdraw
from hypothesis import given, settings
from hypothesis import strategies as st

NL = holidays.Netherlands(years=range(2024, 2032))


def at(year, month, day, hour=10, minute=0):
    return datetime(year, month, day, hour, minute, tzinfo=AMSTERDAM)


def end_of(year, month, day):
    return datetime.combine(date(year, month, day), time.max, tzinfo=AMSTERDAM)


def test_the_holidays_package_has_the_days_these_examples_rely_on():
    assert NL[date(2025, 4, 18)] == "Good Friday"
    assert NL[date(2025, 4, 21)] == "Easter Monday"
    assert NL[date(2025, 4, 26)] == "King's Day"  # the 27th is a Sunday: moved to Saturday
    assert NL[date(2025, 5, 5)] == "Liberation Day"  # lustrum year
    assert date(2026, 5, 5) not in NL  # not a lustrum year
    assert NL[date(2025, 5, 29)] == "Ascension Day"
    assert NL[date(2025, 6, 9)] == "Pentecost Monday"
    assert NL[date(2025, 12, 25)] == "Christmas Day"
    assert NL[date(2025, 12, 26)] == "Second Day of Christmas"
    assert NL[date(2026, 4, 27)] == "King's Day"
    assert date(2026, 4, 27).weekday() == 0  # a Monday


@pytest.mark.parametrize(
    ("start", "working_days", "expected"),
    [
        # A plain week: Monday + 2 = Wednesday.
        (at(2025, 6, 2), 2, end_of(2025, 6, 4)),
        # Friday: the weekend does not count.
        (at(2025, 6, 6, 22), 2, end_of(2025, 6, 11)),  # Monday 9 June is Pinkstermaandag
        (at(2025, 6, 13), 2, end_of(2025, 6, 17)),
        # Saturday and Sunday count from Monday, like Friday.
        (at(2025, 6, 14), 2, end_of(2025, 6, 17)),
        (at(2025, 6, 15), 2, end_of(2025, 6, 17)),
        # Friday 25 April 2025: Koningsdag is Saturday the 26th, so it costs nothing.
        (at(2025, 4, 25), 2, end_of(2025, 4, 29)),
        # Thursday before Easter: Goede Vrijdag and Tweede paasdag are skipped.
        (at(2025, 4, 17), 2, end_of(2025, 4, 23)),
        # The day before Hemelvaart (Thursday 29 May 2025).
        (at(2025, 5, 28), 1, end_of(2025, 5, 30)),
        # Bevrijdingsdag 2025 (lustrum): Friday 2 May + 1 skips Monday 5 May.
        (at(2025, 5, 2), 1, end_of(2025, 5, 6)),
        # Not in 2026: Monday 4 May + 1 is Tuesday 5 May.
        (at(2026, 5, 4), 1, end_of(2026, 5, 5)),
        # Christmas Eve 2025: both Kerstdagen and the weekend are skipped.
        (at(2025, 12, 24), 2, end_of(2025, 12, 30)),
        # Koningsdag 2026 is Monday 27 April.
        (at(2026, 4, 24), 1, end_of(2026, 4, 28)),
        # Over New Year.
        (at(2025, 12, 31), 1, end_of(2026, 1, 2)),
    ],
)
def test_deadline_skips_weekends_and_holidays(start, working_days, expected):
    assert deadline(start, working_days) == expected


def test_the_day_of_the_request_is_its_day_in_amsterdam():
    # 22:30 UTC on Thursday 1 May 2025 is 00:30 on Friday 2 May in Amsterdam.
    late = datetime(2025, 5, 1, 22, 30, tzinfo=UTC)
    assert deadline(late, 1) == end_of(2025, 5, 6)
    assert deadline(late - timedelta(hours=1), 1) == end_of(2025, 5, 2)


def test_deadlines_carry_the_dutch_offset():
    assert deadline(at(2025, 6, 2), 2).utcoffset() == timedelta(hours=2)
    assert deadline(at(2025, 12, 24), 2).utcoffset() == timedelta(hours=1)


def test_liberation_day_can_be_a_day_off_every_year():
    every_year = WorkingCalendar(liberation_day_every_year=True)
    assert deadline(at(2026, 5, 4), 1, every_year) == end_of(2026, 5, 6)
    assert every_year.holiday(date(2026, 5, 5)) == "Bevrijdingsdag"
    assert DUTCH_CALENDAR.holiday(date(2026, 5, 5)) is None


def test_holiday_names_are_dutch():
    assert DUTCH_CALENDAR.holiday(date(2026, 4, 27)) == "Koningsdag"
    assert DUTCH_CALENDAR.holiday(date(2025, 5, 29)) == "Hemelvaartsdag"


def test_shifting_backwards_skips_holidays_too():
    # Tuesday 22 April 2025 - 1: not Easter Monday, the weekend or Good Friday.
    assert DUTCH_CALENDAR.shift(date(2025, 4, 22), -1) == date(2025, 4, 17)
    assert DUTCH_CALENDAR.shift(date(2025, 4, 22), 0) == date(2025, 4, 22)


def test_bad_input_is_refused():
    with pytest.raises(ValueError, match="at least 1"):
        deadline(at(2025, 6, 2), 0)
    with pytest.raises(ValueError, match="timezone-aware"):
        deadline(datetime(2025, 6, 2, 10), 2)
    with pytest.raises(ValueError, match="escalation"):
        SlaPolicy(reminder_working_days_before=0, escalation_working_days_before=1)
    with pytest.raises(ValueError, match="at least 1"):
        SlaPolicy(working_days=0)


@given(
    start=st.datetimes(min_value=datetime(2024, 1, 1), max_value=datetime(2030, 12, 31)),
    working_days=st.integers(min_value=1, max_value=15),
)
@settings(max_examples=200, deadline=None)
def test_a_deadline_is_exactly_n_working_days_later(start, working_days):
    begin = start.replace(tzinfo=AMSTERDAM)
    last = deadline(begin, working_days).date()
    days = [begin.date() + timedelta(days=n) for n in range(1, (last - begin.date()).days + 1)]
    counted = [d for d in days if d.weekday() < 5 and d not in NL]
    assert counted[-1] == last
    assert len(counted) == working_days


# Requested Thursday 17 April 2025 with 2 working days: deadline Wednesday 23 April, reminder
# Tuesday 22 April 09:00 (the working day before; Easter Monday does not count), escalation
# Wednesday 23 April 09:00.
REQUESTED = at(2025, 4, 17)
DEADLINE = end_of(2025, 4, 23)


@pytest.mark.parametrize(
    ("now", "expected"),
    [
        (at(2025, 4, 17, 11), SlaState.ON_TRACK),
        (at(2025, 4, 21, 12), SlaState.ON_TRACK),
        (at(2025, 4, 22, 8, 59), SlaState.ON_TRACK),
        (at(2025, 4, 22, 9), SlaState.REMINDER_DUE),
        (at(2025, 4, 23, 8, 59), SlaState.REMINDER_DUE),
        (at(2025, 4, 23, 9), SlaState.ESCALATION_DUE),
        (at(2025, 4, 23, 23, 59), SlaState.ESCALATION_DUE),
        (at(2025, 4, 24, 0, 0), SlaState.MISSED),
    ],
)
def test_state_without_contact(now, expected):
    assert deadline(REQUESTED, 2) == DEADLINE
    assert state(now, DEADLINE, None) is expected


def test_state_with_contact():
    assert state(at(2025, 4, 30), DEADLINE, at(2025, 4, 23, 20)) is SlaState.MET
    assert state(at(2025, 4, 30), DEADLINE, at(2025, 4, 24, 9)) is SlaState.MISSED


def test_reminder_and_escalation_thresholds_are_configurable():
    early = SlaPolicy(reminder_working_days_before=2, escalation_working_days_before=1)
    assert early.reminder_at(DEADLINE) == at(2025, 4, 17, 9)
    assert early.escalation_at(DEADLINE) == at(2025, 4, 22, 9)
    assert state(at(2025, 4, 18), DEADLINE, None, early) is SlaState.REMINDER_DUE
    assert state(at(2025, 4, 22, 9), DEADLINE, None, early) is SlaState.ESCALATION_DUE
    noon = SlaPolicy(alert_time=time(12, 0))
    assert state(at(2025, 4, 22, 11), DEADLINE, None, noon) is SlaState.ON_TRACK


def test_alerts_for_a_case_without_a_peer_go_to_the_coordinator():
    case = AftercareCase(case_id="case-7", requested_at=REQUESTED)
    assert alerts_due(case, at(2025, 4, 22, 8)) == ()
    (reminder,) = alerts_due(case, at(2025, 4, 22, 9))
    assert (reminder.kind, reminder.recipient) == (AlertKind.HERINNERING, Recipient.COORDINATOR)
    assert reminder.due_at == at(2025, 4, 22, 9)
    assert reminder.message == (
        "Herinnering: nazorgverzoek case-7 heeft nog geen peer; het eerste contact moet "
        "uiterlijk 23-04-2025 plaatsvinden."
    )


def test_alerts_for_a_matched_case_remind_the_peer_and_escalate_to_the_coordinator():
    case = match(AftercareCase(case_id="case-7", requested_at=REQUESTED), "peer-a", REQUESTED)
    (reminder,) = alerts_due(case, at(2025, 4, 22, 10))
    assert reminder.recipient is Recipient.PEER
    assert "neem uiterlijk 23-04-2025 voor het eerst contact op" in reminder.message
    reminder_again, escalation = alerts_due(case, at(2025, 4, 23, 9))
    assert reminder_again == reminder
    assert (escalation.kind, escalation.recipient) == (AlertKind.ESCALATIE, Recipient.COORDINATOR)
    assert escalation.message.endswith("de termijn verloopt op 23-04-2025.")
    *_, late = alerts_due(case, at(2025, 4, 24, 9))
    assert late.message.endswith("de termijn is verlopen op 23-04-2025.")


def test_no_alerts_after_first_contact_or_for_a_closed_case():
    case = match(AftercareCase(case_id="case-7", requested_at=REQUESTED), "peer-a", REQUESTED)
    contacted = record_contact(case, at(2025, 4, 18), ContactMode.TELEFOON)
    assert alerts_due(contacted, at(2025, 4, 30)) == ()
    assert alerts_due(withdraw(case, at(2025, 4, 18)), at(2025, 4, 30)) == ()


def test_the_policy_sets_the_number_of_working_days():
    case = AftercareCase(case_id="case-7", requested_at=REQUESTED)
    five = SlaPolicy(working_days=5)  # deadline Monday 28 April, reminder Friday 25 April
    assert alerts_due(case, at(2025, 4, 25, 8), five) == ()
    (reminder,) = alerts_due(case, at(2025, 4, 25, 9), five)
    assert "uiterlijk 28-04-2025" in reminder.message
