"""The rules of a case's steps: who records what, the order of the statuses, the reason for
letting a step go, the registration number, and when a step stands still."""

from __future__ import annotations

from datetime import UTC, datetime

import pytest
from aftercare.domain.steps import (
    KIND_OF_REFERRAL,
    Actor,
    ForgoneReason,
    StepChange,
    StepKind,
    StepStatus,
    change_step,
    registration_number,
    stands_still,
    step_reminder,
)
from aftercare.domain.vocabulary import Referral
from ontour.application.errors import Refused

S = StepStatus


def change(status: StepStatus, kind: StepKind = StepKind.AANGIFTE, actor: Actor = Actor.PEER,
           reason: ForgoneReason | None = None) -> StepChange:  # fmt: skip
    return StepChange(kind, status, reason, actor)


@pytest.mark.parametrize(
    ("current", "new"),
    [
        (None, S.VOORGESTELD),
        (None, S.AFGEROND),
        (S.VOORGESTELD, S.AANGEVRAAGD),
        (S.VOORGESTELD, S.AFGEROND),
        (S.AANGEVRAAGD, S.AFGEROND),
    ],
)
def test_a_step_moves_forward(current, new):
    assert change_step(current, change(new)).status is new


@pytest.mark.parametrize(
    ("current", "new"),
    [
        (S.AANGEVRAAGD, S.VOORGESTELD),
        (S.AANGEVRAAGD, S.AANGEVRAAGD),
        (S.AFGEROND, S.AANGEVRAAGD),
        (S.AFGEZIEN, S.AFGEROND),
    ],
)
def test_a_step_does_not_go_back_nor_leave_a_final_status(current, new):
    with pytest.raises(Refused) as refused:
        change_step(current, change(new))
    assert refused.value.field is None  # the state refuses it (409), not the input
    assert "deze stap is al" in refused.value.detail


@pytest.mark.parametrize("current", [None, S.VOORGESTELD, S.AANGEVRAAGD])
def test_a_step_can_be_let_go_with_a_reason_until_it_is_done(current):
    let_go = change(S.AFGEZIEN, reason=ForgoneReason.ANGST_VOOR_GEVOLGEN)
    assert change_step(current, let_go).reason is ForgoneReason.ANGST_VOOR_GEVOLGEN
    with pytest.raises(Refused):
        change_step(S.AFGEROND, let_go)


def test_letting_go_needs_a_reason_and_only_letting_go_has_one():
    with pytest.raises(Refused) as refused:
        change_step(None, change(S.AFGEZIEN))
    assert refused.value.field == "reason"
    with pytest.raises(Refused) as refused:
        change_step(None, change(S.AFGEROND, reason=ForgoneReason.TE_VEEL_GEDOE))
    assert refused.value.field == "reason"


@pytest.mark.parametrize("kind", sorted(StepKind))
def test_the_requester_records_only_what_they_do_themself(kind):
    own = kind in {StepKind.MELDING, StepKind.AANGIFTE, StepKind.BEVEILIGINGSADVIES,
                   StepKind.WONINGSCAN}  # fmt: skip
    done = change(S.AFGEROND, kind=kind, actor=Actor.AANVRAGER)
    if own:
        assert change_step(None, done) == done
    else:
        with pytest.raises(Refused) as refused:
            change_step(None, done)
        assert refused.value.field == "kind"


def test_the_requester_proposes_nothing():
    with pytest.raises(Refused) as refused:
        change_step(None, change(S.VOORGESTELD, actor=Actor.AANVRAGER))
    assert refused.value.field == "status"


def test_every_referral_is_a_step():
    assert set(KIND_OF_REFERRAL) == set(Referral)
    assert KIND_OF_REFERRAL[Referral.WERKGEVER_GRIFFIE] is StepKind.MELDING


def test_a_registration_number_is_normalised_and_only_for_an_aangifte():
    assert registration_number(StepKind.AANGIFTE, "  pl0900-2025 123456 ") == "PL0900-2025 123456"
    assert registration_number(StepKind.AANGIFTE, "   ") is None
    for wrong in ("ab", "<script>", "x" * 41):
        with pytest.raises(Refused) as refused:
            registration_number(StepKind.AANGIFTE, wrong)
        assert refused.value.field == "registration_number"
    with pytest.raises(Refused):
        registration_number(StepKind.MELDING, "PL0900-2025123456")


# Tuesday 2 December 2025, 10:00 in Amsterdam; ten working days later is Tuesday 16 December.
CHANGED = datetime(2025, 12, 2, 9, 0, tzinfo=UTC)


@pytest.mark.parametrize(
    ("now", "still"),
    [
        (datetime(2025, 12, 16, 22, 0, tzinfo=UTC), False),  # 23:00 on the tenth working day
        (datetime(2025, 12, 16, 23, 0, tzinfo=UTC), True),  # the day after
    ],
)
def test_a_step_stands_still_after_the_working_days(now, still):
    assert stands_still(S.AANGEVRAAGD, CHANGED, now, 10) is still
    assert (step_reminder(StepKind.AANGIFTE, S.AANGEVRAAGD, CHANGED, now, 10) is None) is not still


def test_christmas_does_not_count_and_a_finished_step_never_stands_still():
    changed = datetime(2025, 12, 19, 9, 0, tzinfo=UTC)  # Friday; 25 and 26 Dec are holidays
    # Five working days: 22, 23, 24, 29 and 30 December.
    assert not stands_still(S.VOORGESTELD, changed, datetime(2025, 12, 30, 9, tzinfo=UTC), 5)
    assert stands_still(S.VOORGESTELD, changed, datetime(2025, 12, 31, 9, tzinfo=UTC), 5)
    for final in (S.AFGEROND, S.AFGEZIEN):
        assert not stands_still(final, changed, datetime(2027, 1, 1, tzinfo=UTC), 5)


def test_the_reminder_says_which_step_and_since_when():
    alert = step_reminder(StepKind.WONINGSCAN, S.VOORGESTELD, CHANGED,
                          datetime(2026, 1, 5, tzinfo=UTC), 10)  # fmt: skip
    assert alert is not None
    assert alert.recipient.value == "peer"
    assert "woningscan" in alert.message and "02-12-2025" in alert.message


# --- the checklist ---------------------------------------------------------------------------


def test_every_stage_has_a_default_checklist_and_an_own_list_replaces_it():
    from aftercare.domain.checklist import DEFAULTS, STAGES, checklist
    from aftercare.domain.vocabulary import CaseStatus

    assert all(DEFAULTS[stage] for stage in STAGES)
    assert any("aangifte" in item for item in DEFAULTS[CaseStatus.CONTACT_GELEGD])
    own = {"lopend": ["Bel na twee weken."]}
    assert checklist(CaseStatus.LOPEND, own) == ("Bel na twee weken.",)
    assert checklist(CaseStatus.GEMATCHT, own) == DEFAULTS[CaseStatus.GEMATCHT]
    assert checklist(CaseStatus.INGETROKKEN, own) == ()


def test_a_checklist_is_typed_one_item_per_line_and_kept_short():
    from aftercare.domain.checklist import MAX_ITEMS, items_of

    assert items_of("  Bel terug \n\n Vraag naar aangifte ") == ("Bel terug", "Vraag naar aangifte")
    assert items_of("   ") == ()
    for too_much in ("\n".join(["punt"] * (MAX_ITEMS + 1)), "x" * 301):
        with pytest.raises(Refused) as refused:
            items_of(too_much)
        assert refused.value.field == "items"
