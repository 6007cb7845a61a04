"""The embedded default: real NATS, PostgreSQL and Caddy from PyPI wheels, no Docker."""
