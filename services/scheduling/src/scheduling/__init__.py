"""Scheduling: Planning van sessies met raden en Staten, agenda's en agendafeeds."""
