"""Subscriptions: plans, passes and monthly renewals with dunning, and organiser billing."""
