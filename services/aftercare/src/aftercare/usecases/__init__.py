"""Aftercare's use cases: the only code that opens a unit of work, changes state and
enqueues events. The HTTP API, the pages, the command line and the demo call these."""
