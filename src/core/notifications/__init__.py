"""Notifications: requests written once per recipient and fact, delivered through a Notifier."""
