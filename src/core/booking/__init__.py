"""Booking: hosted events with a capacity, bookings, tickets, invitations."""
