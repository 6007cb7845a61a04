"""scheduling's tables (messaging only, until the scheduling issue adds its own)."""

from ontour.messaging.inbox import ProcessedEvent
from ontour.messaging.outbox import OutboxMessage
from sqlmodel import SQLModel

metadata = SQLModel.metadata
__all__ = ["OutboxMessage", "ProcessedEvent", "metadata"]
