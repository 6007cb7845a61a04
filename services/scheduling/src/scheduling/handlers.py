"""scheduling's event consumers (none yet)."""

from ontour.messaging.consumer import EventConsumer

consumers: list[EventConsumer] = []
