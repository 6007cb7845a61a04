"""Scheduling's use cases, one module per aggregate: the only code that opens a unit of work,
changes state and enqueues events. SQL lives in ``scheduling.repository``, the rules in
``scheduling.domain``; the API, the pages and the event handlers only translate.

Words: a *session* is always a tour session (as in the domain and the contracts); the
database session is ``db`` and the factory it is opened from ``database``.
"""
