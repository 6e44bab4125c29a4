"""Notifiers and SMS senders."""
