"""Intake's event consumers. Intake consumes no events yet."""

from ontour.messaging.consumer import EventConsumer

consumers: list[EventConsumer] = []
