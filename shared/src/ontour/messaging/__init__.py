"""Reliable delivery over NATS JetStream: streams, outbox, inbox, consumers, dead letters."""
