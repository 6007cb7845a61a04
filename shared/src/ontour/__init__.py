"""On Tour common library: what every service stands on.

- ``ontour.contracts``: the event contracts (one module per producing service).
- ``ontour.events``: the CloudEvents envelope and the registry of event types.
- ``ontour.messaging``: streams, transactional outbox, idempotent inbox, consumers, dead letters.
- ``ontour.observability``: JSON logs, traces and metrics.
- ``ontour.web``: the FastAPI service factory, problem+json errors, health and docs routes.
- ``ontour.devstack``: the embedded default (real NATS, PostgreSQL and Caddy from PyPI wheels).
"""
