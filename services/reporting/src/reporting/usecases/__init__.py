"""Reporting's application layer: the use cases that decide and store what is published
(releases of figures about people, :mod:`.releases`) and that compute the figures from the
read models (:mod:`.figures`, read-only). The live projection of events stays in
``handlers`` and ``repository.project``; rebuilding it is ``rebuild``."""
