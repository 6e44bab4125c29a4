"""Tickets: the right to enter an event, one concept for booking, resale and partners."""
