"""Reporting's application layer: the use cases that decide and store what is published
(releases of figures about people, :mod:`.releases`), that compute the figures from the read
models (:mod:`.figures`, read-only) and that apply events to the read models
(:mod:`.read_models`, for the live consumers and ``rebuild``)."""
