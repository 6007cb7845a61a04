"""Reporting's application layer: the use cases that decide and store what is published
(releases of figures about people). The live projection of events stays in ``handlers`` and
``repository.project``; rebuilding it is ``rebuild``."""
