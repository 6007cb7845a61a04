"""The statement draft's pure rules: what it starts from, its limits, what the police need
before it is printed, and the plain text (the same sections as the PDF)."""

from __future__ import annotations

from dataclasses import replace
from datetime import date, time

from aftercare.domain.statement import (
    MAX_SCREENSHOTS,
    Domicile,
    Screenshot,
    Statement,
    as_record,
    from_record,
    missing_for_pdf,
    plain_text,
    prefilled,
    violations,
)
from aftercare.domain.vocabulary import IncidentCategory
from hypothesis import given
from hypothesis import strategies as st

TODAY = date(2026, 12, 7)
FILLED = Statement(
    incident_categories=(IncidentCategory.ONLINE_INTIMIDATIE,),
    happened_on=date(2026, 11, 30),
    happened_at=time(21, 15),
    place="online, op mijn openbare account",
    what_happened="Hij schreef: 'we weten waar je woont'.",
    platform="X",
    account_names="@anoniem123",
    links="https://example.org/bericht/1\nhttps://example.org/bericht/2",
    screenshots=(Screenshot("het eerste bericht", date(2026, 11, 30)), Screenshot("reactie")),
    witnesses="Mijn fractievoorzitter las mee.",
    still_ongoing=True,
    earlier_reports="Melding bij de politie op 12 oktober, nummer 2026123456.",
    domicile=Domicile.ORGANISATIE,
    organisation_address="Stadhuisplein 1, 3511 AA Utrecht",
)


def test_a_new_statement_starts_from_what_the_requester_told_us():
    start = prefilled(
        story="Er stond iemand voor mijn huis.", happened_on=date(2026, 11, 2),
        still_ongoing=False, incident_categories=["intimidatie thuis of bij de woning"],
    )  # fmt: skip
    assert start.what_happened == "Er stond iemand voor mijn huis."
    assert start.happened_on == date(2026, 11, 2) and start.still_ongoing is False
    assert start.incident_categories == (IncidentCategory.INTIMIDATIE_THUIS,)
    # The organisation's address protects the home address: that is where it starts.
    assert start.domicile == Domicile.ORGANISATIE and start.organisation_address == ""


def test_the_police_need_when_where_what_and_the_chosen_address():
    assert missing_for_pdf(FILLED) == ()
    assert missing_for_pdf(Statement()) == (
        "happened_on", "place", "what_happened", "organisation_address"
    )  # fmt: skip
    own_address = replace(FILLED, domicile=Domicile.EIGEN_ADRES, organisation_address="")
    assert missing_for_pdf(own_address) == ()  # we never ask for the home address


def test_limits_name_the_field_in_dutch():
    assert violations(FILLED, TODAY) == {}
    too_long = replace(FILLED, what_happened="x" * 10_001, place="y" * 301)
    assert violations(too_long, TODAY) == {
        "place": "Plaats: maximaal 300 tekens",
        "what_happened": "Wat er is gezegd of gedaan: maximaal 10000 tekens",
    }
    many = replace(FILLED, screenshots=(Screenshot("s"),) * (MAX_SCREENSHOTS + 1))
    assert violations(many, TODAY) == {"screenshots": "Schermafbeeldingen: maximaal 20"}
    future = replace(FILLED, happened_on=date(2026, 12, 8))
    assert violations(future, TODAY) == {"happened_on": "Datum ligt in de toekomst"}


def test_the_plain_text_holds_exactly_what_was_entered():
    text = plain_text(FILLED)
    assert text.startswith("WANNEER EN WAAR\nDatum: 30 november 2026\nTijdstip (ongeveer): 21:15")
    assert "Schermafbeeldingen:\n- het eerste bericht (30 november 2026)\n- reactie\n" in text
    assert "Links naar de berichten:\nhttps://example.org/bericht/1\n" in text
    assert "Gaat het nog door?: ja" in text
    assert ("Adres voor de politie: domiciliekeuze op het adres van mijn organisatie: "
            "Stadhuisplein 1, 3511 AA Utrecht") in text  # fmt: skip
    # What is empty is not there at all: no headings or labels without an entry.
    sparse = Statement(place="thuis", what_happened="Een brief.", domicile=Domicile.EIGEN_ADRES)
    assert plain_text(sparse) == (
        "WANNEER EN WAAR\nPlaats: thuis\n\n"
        "WAT ER GEBEURDE\nWat er is gezegd of gedaan: Een brief.\n\n"
        "ADRES\nAdres voor de politie: mijn eigen adres (dat geef ik zelf op bij de politie)\n"
    )


texts = st.text(max_size=40)


@given(
    place=texts, what=texts, witnesses=texts,
    ongoing=st.sampled_from([None, True, False]),
    day=st.none() | st.dates(max_value=TODAY),
    shots=st.lists(st.tuples(texts, st.none() | st.dates()), max_size=4),
    domicile=st.sampled_from(list(Domicile)),
)  # fmt: skip
def test_a_statement_is_stored_and_read_back_unchanged(
    place, what, witnesses, ongoing, day, shots, domicile
):
    statement = replace(
        FILLED, place=place, what_happened=what, witnesses=witnesses, still_ongoing=ongoing,
        happened_on=day, screenshots=tuple(Screenshot(d, t) for d, t in shots), domicile=domicile,
    )  # fmt: skip
    assert from_record(as_record(statement)) == statement
