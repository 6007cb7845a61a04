"""The tour's figures as BZK sees them: funnel, coverage and forecast with the rule applied."""

from __future__ import annotations

from datetime import date, timedelta

from ontour.contracts.intake import OrganisatieSoort, TourStatus
from reporting.domain.disclosure import Reason, Suppressed
from reporting.domain.funnel import StageRecord, funnel
from reporting.domain.publication import (
    PublishedReach,
    publish_coverage,
    publish_forecast,
    publish_funnel,
    publish_reached_gemeenten,
)
from reporting.domain.statistics import RegisteredOrganisation, coverage, forecast

SMALL = Suppressed(Reason.SMALL_COUNT)
DERIVED = Suppressed(Reason.DERIVED)
FEW = Suppressed(Reason.FEW_OBSERVATIONS)
VOORGESPREK = TourStatus.VOORGESPREK_GEHOUDEN
GEWENST = TourStatus.SESSIE_GEWENST
GEPLAND = TourStatus.SESSIE_GEPLAND
GEHOUDEN = TourStatus.SESSIE_GEHOUDEN


def _funnel():
    start = date(2024, 1, 1)
    records = []
    for n in range(10):  # ten voorgesprekken; six wanted a sessie, after n + 1 days
        code = f"GM{n:04}"
        records.append(StageRecord(code, VOORGESPREK, start))
        if n < 6:
            records.append(StageRecord(code, GEWENST, start + timedelta(days=n + 1)))
        if n < 3:  # three planned, two held
            records.append(StageRecord(code, GEPLAND, start + timedelta(days=30)))
        if n < 2:
            records.append(StageRecord(code, GEHOUDEN, start + timedelta(days=60)))
    return funnel(records)


def test_published_funnel_hides_small_stages_and_thin_lead_times():
    published = publish_funnel(_funnel())
    assert published.reached == {VOORGESPREK: 10, GEWENST: 6, GEPLAND: SMALL, GEHOUDEN: SMALL}
    first, second, third = published.steps
    assert first.conversion == 0.6
    assert (first.measured, first.median_days, first.p90_days) == (6, 3.5, 5.5)
    assert second.conversion == DERIVED
    assert (second.measured, second.median_days, second.p90_days) == (SMALL, FEW, FEW)
    assert third.conversion == DERIVED


def _register():
    provinces = [
        RegisteredOrganisation(f"PV{p}", OrganisatieSoort.PROVINCIE, f"PV{p}") for p in (20, 21)
    ]
    gemeenten = [
        RegisteredOrganisation(f"GM{p}{n:02}", OrganisatieSoort.GEMEENTE, f"PV{p}")
        for p in (20, 21)
        for n in range(10)
    ]
    return provinces + gemeenten


def test_published_coverage_protects_provinces_within_the_national_count():
    reached = [f"GM20{n:02}" for n in range(7)] + ["GM2100", "GM2101", "PV20"]
    published = publish_coverage(coverage(reached, _register()))
    # PV21's 2 is small; PV20's 7 must go too, or 9 - 7 would give it away
    assert published.gemeenten_per_province == {
        "PV20": PublishedReach(Suppressed(Reason.DERIVABLE), 10, DERIVED),
        "PV21": PublishedReach(SMALL, 10, DERIVED),
    }
    assert published.gemeenten == PublishedReach(9, 20, 0.45)
    assert published.provincies == PublishedReach(SMALL, 2, DERIVED)


def test_the_map_shows_a_gemeente_only_where_its_province_count_is_published():
    register = _register() + [
        RegisteredOrganisation(f"GM22{n:02}", OrganisatieSoort.GEMEENTE, "PV22") for n in range(10)
    ] + [RegisteredOrganisation("PV22", OrganisatieSoort.PROVINCIE, "PV22")]  # fmt: skip
    reached = {f"GM20{n:02}" for n in range(7)} | {f"GM22{n:02}" for n in range(6)} | {"GM2100"}
    published = publish_coverage(coverage(reached, register))
    gemeenten = {r.code: r.province_code for r in register if r.kind is OrganisatieSoort.GEMEENTE}
    shown = publish_reached_gemeenten(reached, gemeenten, published)
    assert published.gemeenten_per_province["PV21"].reached == SMALL
    assert {shown[f"GM21{n:02}"] for n in range(10)} == {DERIVED}
    # Counting what the map shows gives exactly each published count, never a hidden one.
    for province, reach in published.gemeenten_per_province.items():
        cells = [shown[code] for code, p in gemeenten.items() if p == province]
        if isinstance(reach.reached, Suppressed):
            assert set(cells) == {DERIVED}
        else:
            assert cells.count(True) == reach.reached
            assert cells.count(False) == reach.of - reach.reached


def test_published_forecast_hides_with_a_small_count():
    pace = {"start": date(2025, 1, 1), "today": date(2025, 1, 10), "end": date(2025, 1, 30)}
    published = publish_forecast(forecast(40, target=100, **pace))
    assert (published.done, published.projected_total, published.meets_target) == (40, 120, True)
    hidden = publish_forecast(forecast(3, target=100, **pace))
    assert (hidden.done, hidden.projected_total, hidden.meets_target) == (SMALL, DERIVED, DERIVED)
    assert hidden.target == 100
