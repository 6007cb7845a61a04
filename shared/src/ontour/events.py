"""The CloudEvents 1.0 envelope and the registry of event contracts.

Naming scheme (documented in the README):

- CloudEvents ``type``: ``nl.weerbaarbestuur.ontour.<service>.<aggregate>-<event>.v<N>``
- NATS subject:         ``ontour.<service>.<aggregate>.<event>.v<N>``

``<event>`` is past tense (``gehouden``, ``gepland``). A new incompatible version is a new
class with a new ``version``; consumers register upcasters or handle both.

``dataschema`` is an absolute URI (CloudEvents 1.0 requires one): the producing service's
AsyncAPI document at the public base URL, pointing at the payload's schema in it, e.g.
``https://ontour.example.org/intake/asyncapi.json#/components/schemas/VoorgesprekGehouden``.
"""

from __future__ import annotations

import json
import uuid
from collections.abc import Mapping
from datetime import UTC, datetime
from functools import cache
from typing import Annotated, Any, ClassVar, Literal, TypeVar, Union, cast

from pydantic import BaseModel, ConfigDict, Field, TypeAdapter, ValidationError, create_model

TYPE_PREFIX = "nl.weerbaarbestuur.ontour"
SUBJECT_PREFIX = "ontour"
# Where users reach On Tour; a service sets its ``public_base_url`` at start-up.
DEFAULT_PUBLIC_BASE_URL = "http://127.0.0.1:8080"
_public_base_url = DEFAULT_PUBLIC_BASE_URL


def subject(*tokens: str) -> str:
    """A NATS subject of On Tour, ``ontour.<token>...``: every subject is built here."""
    return ".".join((SUBJECT_PREFIX, *tokens))


def events_of(service: str) -> str:
    """The filter of every event ``service`` publishes (its stream's subjects)."""
    return subject(service, ">")


def set_public_base_url(url: str) -> None:
    """The base of every ``dataschema`` this process emits (``settings.public_base_url``)."""
    global _public_base_url
    _public_base_url = url.rstrip("/")


class EventData(BaseModel):
    """Base of every event payload. Subclasses are declared with :func:`contract`."""

    model_config = ConfigDict(extra="forbid", frozen=True)

    service: ClassVar[str]
    aggregate: ClassVar[str]
    name: ClassVar[str]
    version: ClassVar[int]

    @classmethod
    def event_type(cls) -> str:
        return f"{TYPE_PREFIX}.{cls.service}.{cls.aggregate}-{cls.name}.v{cls.version}"

    @classmethod
    def schema_pointer(cls) -> str:
        """Where this payload's JSON Schema sits in the producer's AsyncAPI document."""
        return f"/{cls.service}/asyncapi.json#/components/schemas/{cls.__name__}"

    @classmethod
    def dataschema(cls) -> str:
        """The CloudEvents ``dataschema``: an absolute URI of the payload's JSON Schema."""
        return f"{_public_base_url}{cls.schema_pointer()}"

    @classmethod
    def nats_subject(cls) -> str:
        return subject(cls.service, cls.aggregate, cls.name, f"v{cls.version}")

    def subject_id(self) -> str:
        """The CloudEvents ``subject``: the id of the aggregate the event is about."""
        raise NotImplementedError


E = TypeVar("E", bound=type[EventData])

_registry: dict[str, type[EventData]] = {}


def contract(*, service: str, aggregate: str, name: str, version: int) -> Any:
    """Class decorator: give an event its coordinates and register it."""

    def register(cls: E) -> E:
        cls.service, cls.aggregate, cls.name, cls.version = service, aggregate, name, version
        event_type = cls.event_type()
        if event_type in _registry and _registry[event_type] is not cls:
            raise ValueError(f"event type {event_type} declared twice")
        _registry[event_type] = cls
        return cls

    return register


def registered_contracts() -> Mapping[str, type[EventData]]:
    """Every event type known to this process (read-only; on the consumers' hot path)."""
    import ontour.contracts  # noqa: F401  (registers the contracts)

    return _registry


def contracts_of(service: str) -> list[type[EventData]]:
    """The contracts ``service`` publishes, as declared: what it may emit and documents."""
    return [model for model in registered_contracts().values() if model.service == service]


def producing_services() -> list[str]:
    """Every service that publishes events, by name (a stable order whatever the imports)."""
    return sorted({model.service for model in registered_contracts().values()})


class CloudEvent(BaseModel):
    """The envelope on the bus: CloudEvents 1.0 structured mode, JSON."""

    model_config = ConfigDict(extra="forbid")

    specversion: Literal["1.0"] = Field("1.0", description="CloudEvents specification version.")
    id: uuid.UUID = Field(description="Unique event id; also the JetStream Nats-Msg-Id.")
    source: str = Field(description="Producing service, e.g. '/ontour/intake'.")
    type: str = Field(description="Event type including its version.")
    time: datetime = Field(description="When the change happened (UTC).")
    subject: str = Field(description="Id of the aggregate the event is about.")
    datacontenttype: Literal["application/json"] = "application/json"
    dataschema: str = Field(description="Absolute URI of the JSON Schema of `data`.")
    data: dict[str, Any] = Field(description="The event payload, see the event type's schema.")

    @classmethod
    def wrap(
        cls, data: EventData, *, event_id: uuid.UUID | None = None, time: datetime | None = None
    ) -> CloudEvent:
        return cls(
            id=event_id or uuid.uuid4(),
            source=f"/ontour/{data.service}",
            type=data.event_type(),
            time=time or datetime.now(UTC),
            subject=data.subject_id(),
            dataschema=data.dataschema(),
            data=data.model_dump(mode="json"),
        )

    def encode(self) -> bytes:
        """The bytes on the bus (structured mode): what the outbox stores and publishes."""
        return self.model_dump_json().encode()


class UnreadableEvent(Exception):
    """A message that can never be processed: it goes to the dead letters with this reason."""


def parse_event(raw: bytes) -> tuple[CloudEvent, EventData]:
    """Parse and validate a message from the bus, or raise :class:`UnreadableEvent`."""
    try:
        # The envelope straight from the bytes (pydantic parses the JSON itself); only a
        # message that fails this is parsed step by step, to say why.
        envelope = CloudEvent.model_validate_json(raw)
    except ValidationError:
        envelope = _envelope(raw)
    model = registered_contracts().get(envelope.type)
    if model is None:
        raise UnreadableEvent(f"unknown event type or version: {envelope.type}")
    try:
        return envelope, model.model_validate(envelope.data)
    except ValidationError as exc:
        raise UnreadableEvent(f"payload does not match {envelope.type}: {_fields(exc)}") from exc


def read_event(raw: bytes) -> tuple[CloudEvent, EventData]:
    """:func:`parse_event` in one pass of pydantic over the bytes, envelope and payload at
    once (a third less time a message): for a reader that wants of the envelope's ``data``
    only the payload, as the envelope it gives holds the payload's model there. A message
    that does not pass is left to :func:`parse_event`, which says why."""
    try:
        # The adapter's validator itself: its Python wrapper costs a tenth of the call.
        envelope = _typed_envelopes(len(_registry)).validator.validate_json(raw)
    except ValidationError:
        return parse_event(raw)
    return envelope, envelope.data


@cache
def _typed_envelopes(_: int) -> TypeAdapter[Any]:
    # Per contract an envelope whose "type" is that contract's and whose "data" is its model;
    # pydantic picks the one by "type" (built again if a contract was registered meanwhile).
    envelopes = tuple(
        create_model(
            f"{model.__name__}Envelope",
            __base__=CloudEvent,
            type=(cast(Any, Literal[event_type]), ...),
            data=(model, ...),
        )
        for event_type, model in registered_contracts().items()
    )
    either: Any = Union[envelopes]  # noqa: UP007  (built at run time)
    return TypeAdapter(Annotated[either, Field(discriminator="type")])


def _envelope(raw: bytes) -> CloudEvent:
    try:
        document = json.loads(raw)
    except (UnicodeDecodeError, json.JSONDecodeError) as exc:
        raise UnreadableEvent(f"malformed JSON: {exc.__class__.__name__}") from exc
    try:
        envelope = CloudEvent.model_validate(document)
    except ValidationError as exc:
        raise UnreadableEvent(f"invalid CloudEvents envelope: {_fields(exc)}") from exc
    return envelope  # valid as a document, yet not straight from the bytes


def _fields(exc: ValidationError) -> str:
    # Field locations only: the input values may hold anything and must not reach logs.
    return ", ".join(
        sorted({".".join(str(p) for p in err["loc"]) or "<root>" for err in exc.errors()})
    )
