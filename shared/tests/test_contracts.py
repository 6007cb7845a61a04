"""Event contracts: versioned, past tense, every field described, no personal data."""

from __future__ import annotations

import json
import re
import uuid
from datetime import UTC, datetime

import pytest
from ontour.events import CloudEvent, UnreadableEvent, parse_event, read_event, registered_contracts
from pydantic import BaseModel

# Free-text or contact-like fields that were reviewed and found free of personal data.
# Add "<event type>:<field>" here only after a privacy review, with a comment saying why.
REVIEWED_FREE_TEXT: set[str] = {
    # The CBS name of a gemeente or provincie: public register data, never a person.
    "nl.weerbaarbestuur.ontour.intake.organisatie-geregistreerd.v1:organisation_name",
}

PERSONAL_NAMES = re.compile(
    r"(name|naam|email|e_mail|mail|phone|telefoon|tel|address|adres|street|straat|postcode|"
    r"zip|birth|geboorte|bsn|story|verhaal|note|notitie|toelichting|remark|opmerking|"
    r"comment|description|omschrijving|contact|ip)$"
)
PAST_TENSE = re.compile(r"^[a-z-]*(d|t|en)$")  # Dutch participles: gehouden, gepland, ...
CONTRACTS = sorted(registered_contracts().items())


def _fields(model: type[BaseModel], schema: dict | None = None):
    schema = schema or model.model_json_schema()
    definitions = schema.get("$defs", {})
    for name, prop in schema.get("properties", {}).items():
        target = prop
        if "$ref" in prop:
            target = definitions[prop["$ref"].split("/")[-1]]
        yield name, prop, target


def test_there_are_contracts():
    assert CONTRACTS, "no event contracts registered"


@pytest.mark.parametrize(("event_type", "model"), CONTRACTS)
def test_type_and_subject_follow_the_scheme(event_type, model):
    assert re.fullmatch(r"nl\.weerbaarbestuur\.ontour\.[a-z]+\.[a-z-]+\.v\d+", event_type)
    assert re.fullmatch(r"ontour\.[a-z]+\.[a-z-]+\.[a-z-]+\.v\d+", model.nats_subject())
    assert PAST_TENSE.match(model.name), f"{model.name} is not past tense"


@pytest.mark.parametrize(("event_type", "model"), CONTRACTS)
def test_every_field_is_described(event_type, model):
    assert model.__doc__
    for name, prop, target in _fields(model):
        assert prop.get("description") or target.get("description"), f"{event_type}.{name}"


@pytest.mark.parametrize(("event_type", "model"), CONTRACTS)
def test_no_free_text_or_contact_fields(event_type, model):
    for name, prop, target in _fields(model):
        key = f"{event_type}:{name}"
        if key in REVIEWED_FREE_TEXT:
            continue
        assert not PERSONAL_NAMES.search(name), f"{key} looks like personal data"
        if target.get("type") == "string" or prop.get("type") == "string":
            constrained = (
                "enum" in target
                or "pattern" in prop
                or "pattern" in target
                or prop.get("format") in {"uuid", "date", "date-time", "duration"}
            )
            assert constrained, f"{key} is free text: constrain it or review it"


def test_the_privacy_check_catches_a_free_text_field():
    from pydantic import Field

    class Leaky(BaseModel):
        """Not a real contract."""

        toelichting: str = Field(description="free text")

    with pytest.raises(AssertionError):
        for name, prop, target in _fields(Leaky):
            assert not PERSONAL_NAMES.search(name)
            assert "enum" in target or "pattern" in prop or prop.get("format")


@pytest.mark.parametrize(("event_type", "model"), CONTRACTS)
def test_envelope_round_trip(event_type, model):
    example = _example(model)
    envelope = CloudEvent.wrap(example, event_id=uuid.uuid4(), time=datetime.now(UTC))
    parsed_envelope, parsed = parse_event(envelope.model_dump_json().encode())
    assert parsed == example
    assert parsed_envelope.specversion == "1.0"
    assert parsed_envelope.source == f"/ontour/{model.service}"
    assert parsed_envelope.subject == example.subject_id()


@pytest.mark.parametrize(("event_type", "model"), CONTRACTS)
def test_reading_at_once_gives_what_parsing_gives(event_type, model):
    raw = CloudEvent.wrap(_example(model)).model_dump_json().encode()
    (envelope, data), (read_envelope, read) = parse_event(raw), read_event(raw)
    assert type(read) is model and read == data
    assert isinstance(read_envelope, CloudEvent)
    assert read_envelope.model_dump(exclude={"data"}) == envelope.model_dump(exclude={"data"})
    assert read_envelope.data == data  # the payload's model, not its document


def test_reading_at_once_says_why_as_parsing_does():
    [(_, model), *_] = CONTRACTS
    document = CloudEvent.wrap(_example(model)).model_dump(mode="json")
    unknown = {**document, "type": document["type"][:-1] + "99"}
    wrong = {**document, "data": {**document["data"], "unexpected": 1}}
    bare = {k: v for k, v in document.items() if k != "subject"}
    for raw in [b"{", *(json.dumps(d).encode() for d in (unknown, wrong, bare))]:
        with pytest.raises(UnreadableEvent) as parsing:
            parse_event(raw)
        with pytest.raises(UnreadableEvent, match=re.escape(str(parsing.value))):
            read_event(raw)


def test_unknown_versions_are_unreadable():
    [(_, model), *_] = CONTRACTS
    document = CloudEvent.wrap(_example(model)).model_dump(mode="json")
    document["type"] = document["type"][:-1] + "99"
    with pytest.raises(UnreadableEvent, match="unknown event type or version"):
        parse_event(CloudEvent.model_validate(document).model_dump_json().encode())


def _example(model):
    examples = model.model_json_schema().get("examples")
    assert examples, f"{model.__name__} has no example"
    return model.model_validate(examples[0])
