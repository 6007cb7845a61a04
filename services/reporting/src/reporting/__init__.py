"""Reporting: aggregates of the tour and the aftercare, built from events only."""
