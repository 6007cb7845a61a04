"""Intake: register of organisations, voorgesprekken and follow-ups."""
