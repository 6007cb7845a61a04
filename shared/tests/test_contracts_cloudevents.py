"""Every event the services emit is a valid CloudEvents 1.0 event (the official JSON Schema),
and its ``dataschema`` is an absolute URI that leads to the payload's schema."""

from __future__ import annotations

import json
import re
from importlib.metadata import entry_points
from pathlib import Path
from urllib.parse import urlsplit

import pytest
from jsonschema import Draft7Validator, FormatChecker
from ontour import events
from ontour.events import CloudEvent, registered_contracts
from ontour.settings import ServiceSettings

SCHEMA = json.loads((Path(__file__).parent / "cloudevents" / "cloudevents.json").read_text())
CONTRACTS = sorted(registered_contracts().items())

# jsonschema checks these formats only with optional packages: strict checkers of our own.
FORMATS = FormatChecker()
_SCHEME = re.compile(r"[A-Za-z][A-Za-z0-9+.-]*")
_NO_SPACE = re.compile(r"[^\s\x00-\x1f\x7f]+")
_RFC3339 = re.compile(r"\d{4}-\d{2}-\d{2}[Tt]\d{2}:\d{2}:\d{2}(\.\d+)?([Zz]|[+-]\d{2}:\d{2})")


@FORMATS.checks("uri")
def _absolute_uri(value: object) -> bool:
    # RFC 3986 URI (not a relative reference): a scheme, then no whitespace.
    return isinstance(value, str) and bool(
        _NO_SPACE.fullmatch(value) and _SCHEME.fullmatch(urlsplit(value).scheme)
    )


@FORMATS.checks("uri-reference")
def _uri_reference(value: object) -> bool:
    return isinstance(value, str) and bool(_NO_SPACE.fullmatch(value))


@FORMATS.checks("date-time")
def _date_time(value: object) -> bool:
    return isinstance(value, str) and bool(_RFC3339.fullmatch(value))


VALIDATOR = Draft7Validator(SCHEMA, format_checker=FORMATS)


@pytest.fixture(autouse=True)
def _default_base_url():
    yield
    events.set_public_base_url(events.DEFAULT_PUBLIC_BASE_URL)


def _emitted(model) -> dict:
    example = model.model_validate(model.model_json_schema()["examples"][0])
    return json.loads(CloudEvent.wrap(example).model_dump_json())


def test_the_checkers_refuse_what_the_schema_forbids():
    assert not _absolute_uri("/intake/asyncapi.json#/components/schemas/X")
    assert not _absolute_uri("http://x/a b")
    assert _absolute_uri("https://ontour.example.org/intake/asyncapi.json#/x")
    assert not _date_time("2026-12-06 13:00:00")
    assert _date_time("2026-12-06T13:00:00.123456Z")


@pytest.mark.parametrize(("event_type", "model"), CONTRACTS)
def test_every_event_is_a_valid_cloudevent(event_type, model):
    document = _emitted(model)
    errors = [f"{'/'.join(map(str, e.path))}: {e.message}" for e in VALIDATOR.iter_errors(document)]
    assert not errors, errors


@pytest.mark.parametrize(("event_type", "model"), CONTRACTS)
def test_dataschema_is_absolute_at_the_public_base_url(event_type, model):
    assert _emitted(model)["dataschema"] == (
        f"http://127.0.0.1:8080/{model.service}/asyncapi.json#/components/schemas/{model.__name__}"
    )
    events.set_public_base_url("https://ontour.example.org/")
    document = _emitted(model)
    assert document["dataschema"].startswith("https://ontour.example.org/")
    assert not list(VALIDATOR.iter_errors(document))


def _asyncapi(service: str) -> dict:
    """The AsyncAPI document the service serves at /<service>/asyncapi.json."""
    [declared] = [ep.load() for ep in entry_points(group="ontour.services", name=service)]
    return declared.asyncapi(declared.build_broker(ServiceSettings(service_name=service)))


@pytest.mark.parametrize("service", sorted(ep.name for ep in entry_points(group="ontour.services")))
def test_every_contract_of_a_service_is_in_its_asyncapi(service):
    document = _asyncapi(service)
    addresses = {channel["address"] for channel in document.get("channels", {}).values()}
    published = {model.nats_subject() for _, model in CONTRACTS if model.service == service}
    assert published <= addresses
    # The service's own events, none of another's.
    sent = {
        document["channels"][op["channel"]["$ref"].rsplit("/", 1)[-1]]["address"]
        for op in document.get("operations", {}).values()
        if op["action"] == "send"
    }
    assert sent == published


@pytest.mark.parametrize("service", sorted({m.service for _, m in CONTRACTS}))
def test_dataschema_points_at_the_payload_schema_in_the_asyncapi_document(service):
    document = _asyncapi(service)
    for _, model in CONTRACTS:
        if model.service != service:
            continue
        path, _, pointer = model.schema_pointer().partition("#")
        assert path == f"/{service}/asyncapi.json"
        target = document
        for part in pointer.strip("/").split("/"):
            target = target[part]
        assert target["title"] == model.__name__
        assert set(target["properties"]) == set(model.model_fields)
