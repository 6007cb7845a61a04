"""Intake's application layer: the only place that opens a unit of work, changes state and
announces it. The HTTP API, the pages, the CLI and the event consumers only translate: they
parse their input, call a use case here and map its result (or refusal) to their answer.

One module per aggregate: :mod:`.organisations`, :mod:`.voorgesprekken`, :mod:`.follow_ups`,
:mod:`.contacts`, :mod:`.imports` (the bulk import of voorgesprekken) and :mod:`.register`.
"""
