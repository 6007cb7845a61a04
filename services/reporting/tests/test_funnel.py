"""The funnel from event-like records: first reached, counts, conversion and lead times."""

from __future__ import annotations

import random
from datetime import UTC, date, datetime

from ontour.contracts.intake import TourStatus
from reporting.domain.funnel import LeadTimes, StageRecord, first_reached, funnel, lead_times

VOORGESPREK = TourStatus.VOORGESPREK_GEHOUDEN
GEWENST = TourStatus.SESSIE_GEWENST
GEPLAND = TourStatus.SESSIE_GEPLAND
GEHOUDEN = TourStatus.SESSIE_GEHOUDEN


def _records() -> list[StageRecord]:
    return [
        # GM0014 goes the whole way: 10, 5 and 20 days per step
        StageRecord("GM0014", VOORGESPREK, date(2024, 3, 1)),
        StageRecord("GM0014", GEWENST, date(2024, 3, 11)),
        StageRecord("GM0014", GEPLAND, datetime(2024, 3, 16, 9, 0, tzinfo=UTC)),
        StageRecord("GM0014", GEHOUDEN, date(2024, 4, 5)),
        # GM0037: a sessie wanted after 4 days, then nothing yet
        StageRecord("GM0037", VOORGESPREK, date(2024, 5, 1)),
        StageRecord("GM0037", GEWENST, date(2024, 5, 5)),
        # GM0047: only a voorgesprek
        StageRecord("GM0047", VOORGESPREK, date(2024, 6, 1)),
        # GM0080: an imported sessie without the earlier steps
        StageRecord("GM0080", GEHOUDEN, date(2023, 10, 1)),
        # not funnel stages
        StageRecord("GM0047", TourStatus.GEEN_INTERESSE, date(2024, 6, 2)),
        StageRecord("GM0106", TourStatus.VOORGESPREK_GEPLAND, date(2024, 6, 2)),
    ]


def test_counts_per_stage_include_what_later_stages_imply():
    result = funnel(_records())
    assert result.reached == {VOORGESPREK: 4, GEWENST: 3, GEPLAND: 2, GEHOUDEN: 2}
    assert [(step.entered, step.converted) for step in result.steps] == [(4, 3), (3, 2), (2, 2)]
    assert [step.conversion for step in result.steps] == [0.75, 2 / 3, 1.0]


def test_lead_times_between_recorded_stages_only():
    steps = funnel(_records()).steps
    assert [step.lead_times for step in steps] == [
        LeadTimes(days=(10, 4), out_of_order=0),
        LeadTimes(days=(5,), out_of_order=0),
        LeadTimes(days=(20,), out_of_order=0),
    ]
    end_to_end = lead_times(first_reached(_records()), VOORGESPREK, GEHOUDEN)
    assert end_to_end == LeadTimes(days=(35,), out_of_order=0)


def test_shuffled_and_duplicated_records_give_the_same_funnel():
    expected = funnel(_records())
    noisy = _records() * 3 + [
        StageRecord("GM0014", VOORGESPREK, date(2024, 3, 20)),  # a later repeat: not first
        StageRecord("GM0037", GEWENST, datetime(2024, 7, 1, 12, tzinfo=UTC)),
    ]
    random.Random(7).shuffle(noisy)
    assert funnel(noisy) == expected


def test_first_reached_is_the_earliest_amsterdam_day():
    records = [
        StageRecord("GM0014", VOORGESPREK, date(2024, 3, 5)),
        StageRecord("GM0014", VOORGESPREK, datetime(2024, 3, 3, 23, 30, tzinfo=UTC)),
    ]
    assert first_reached(records) == {"GM0014": {VOORGESPREK: date(2024, 3, 4)}}


def test_a_stage_recorded_before_the_previous_one_is_out_of_order():
    records = [
        StageRecord("GM0014", GEWENST, date(2024, 3, 1)),
        StageRecord("GM0014", VOORGESPREK, date(2024, 3, 8)),
        StageRecord("GM0037", VOORGESPREK, date(2024, 3, 1)),
        StageRecord("GM0037", GEWENST, date(2024, 3, 1)),
    ]
    first_step = funnel(records).steps[0]
    assert first_step.lead_times == LeadTimes(days=(0,), out_of_order=1)
    assert (first_step.entered, first_step.converted) == (2, 2)


def test_an_empty_funnel():
    result = funnel([])
    assert set(result.reached.values()) == {0}
    assert all(step.conversion is None for step in result.steps)
