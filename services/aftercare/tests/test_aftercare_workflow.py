"""The case state machine: every legal move works, every other one is refused in Dutch."""

from __future__ import annotations

from datetime import timedelta

import pytest
from aftercare.domain.vocabulary import CaseOutcome, CaseStatus, ContactMode, Referral
from aftercare.domain.workflow import (
    FINAL,
    OPEN,
    TRANSITIONS,
    AftercareCase,
    DomainError,
    IllegalTransition,
    StatusChange,
    close,
    decline,
    match,
    record_contact,
    start,
    withdraw,
)
from aftercare_support import T0

S = CaseStatus
LATER = T0 + timedelta(hours=3)

# The one action that leads to each status.
ACTIONS = {
    S.GEMATCHT: lambda case: match(case, "peer-b", LATER),
    S.AANGEVRAAGD: lambda case: decline(case, LATER),
    S.CONTACT_GELEGD: lambda case: record_contact(case, LATER, ContactMode.TELEFOON),
    S.LOPEND: lambda case: start(case, LATER),
    S.AFGESLOTEN: lambda case: close(case, LATER, CaseOutcome.AFGEROND),
    S.INGETROKKEN: lambda case: withdraw(case, LATER),
}

# How to reach each status from a new case.
PATHS = {
    S.AANGEVRAAGD: [],
    S.GEMATCHT: [S.GEMATCHT],
    S.CONTACT_GELEGD: [S.GEMATCHT, S.CONTACT_GELEGD],
    S.LOPEND: [S.GEMATCHT, S.CONTACT_GELEGD, S.LOPEND],
    S.AFGESLOTEN: [S.GEMATCHT, S.CONTACT_GELEGD, S.LOPEND, S.AFGESLOTEN],
    S.INGETROKKEN: [S.INGETROKKEN],
}

EXPECTED = {
    (S.AANGEVRAAGD, S.GEMATCHT),
    (S.GEMATCHT, S.CONTACT_GELEGD),
    (S.CONTACT_GELEGD, S.LOPEND),
    (S.LOPEND, S.AFGESLOTEN),
    (S.GEMATCHT, S.AANGEVRAAGD),
    *(
        (status, S.INGETROKKEN)
        for status in (S.AANGEVRAAGD, S.GEMATCHT, S.CONTACT_GELEGD, S.LOPEND)
    ),
}


def new_case() -> AftercareCase:
    return AftercareCase(case_id="case-1", requested_at=T0)


def case_in(status: CaseStatus) -> AftercareCase:
    case = new_case()
    for step in PATHS[status]:
        case = ACTIONS[step](case)
    assert case.status is status
    return case


def test_the_table_is_the_specified_life_cycle():
    table = {(source, target) for source, targets in TRANSITIONS.items() for target in targets}
    assert table == EXPECTED
    assert set(TRANSITIONS) == set(CaseStatus)
    assert {S.AFGESLOTEN, S.INGETROKKEN} == FINAL
    assert set(CaseStatus) - FINAL == OPEN


@pytest.mark.parametrize(("source", "target"), sorted(EXPECTED))
def test_every_legal_transition(source, target):
    before = case_in(source)
    after = ACTIONS[target](before)
    assert after.status is target
    assert after.history == (*before.history, StatusChange(source, target, LATER))


@pytest.mark.parametrize(
    ("source", "target"),
    sorted((s, t) for s in CaseStatus for t in CaseStatus if (s, t) not in EXPECTED),
)
def test_every_other_transition_is_refused(source, target):
    with pytest.raises(IllegalTransition) as refused:
        ACTIONS[target](case_in(source))
    message = str(refused.value)
    assert f"status '{source}' kan niet naar '{target}'" in message
    assert (refused.value.current, refused.value.target) == (source, target)


def test_refusals_say_what_is_possible():
    with pytest.raises(IllegalTransition) as refused:
        start(new_case(), LATER)
    assert str(refused.value) == (
        "Een nazorgverzoek met status 'aangevraagd' kan niet naar 'lopend'; "
        "vanuit 'aangevraagd' kan alleen: 'gematcht', 'ingetrokken'."
    )
    with pytest.raises(IllegalTransition) as refused:
        withdraw(case_in(S.AFGESLOTEN), LATER)
    assert str(refused.value) == (
        "Een nazorgverzoek met status 'afgesloten' kan niet naar 'ingetrokken'; "
        "'afgesloten' is definitief."
    )
    assert isinstance(refused.value, DomainError)


def test_a_decline_sends_the_case_back_for_a_rematch_with_someone_else():
    matched = match(new_case(), "peer-a", LATER)
    assert matched.peer_id == "peer-a"
    declined = decline(matched, LATER)
    assert (declined.status, declined.peer_id, declined.declined_by) == (
        S.AANGEVRAAGD,
        None,
        {"peer-a"},
    )
    with pytest.raises(DomainError, match="eerder afgewezen"):
        match(declined, "peer-a", LATER)
    rematched = match(declined, "peer-b", LATER)
    assert (rematched.peer_id, rematched.declined_by) == ("peer-b", {"peer-a"})
    assert decline(rematched, LATER).declined_by == {"peer-a", "peer-b"}


def test_first_contact_is_recorded():
    contacted = record_contact(match(new_case(), "peer-a", T0), LATER, ContactMode.VIDEO)
    assert (contacted.contacted_at, contacted.contact_mode) == (LATER, ContactMode.VIDEO)


def test_closing_records_outcome_and_referrals():
    closed = close(
        case_in(S.LOPEND),
        LATER,
        CaseOutcome.DOORVERWEZEN,
        [Referral.POLITIE_AANGIFTE, Referral.BEVEILIGINGSADVIES],
    )
    assert closed.outcome is CaseOutcome.DOORVERWEZEN
    assert closed.referrals == {Referral.POLITIE_AANGIFTE, Referral.BEVEILIGINGSADVIES}


def test_a_referral_outcome_needs_a_referral():
    with pytest.raises(DomainError, match="minstens één doorverwijzing"):
        close(case_in(S.LOPEND), LATER, CaseOutcome.DOORVERWEZEN)
