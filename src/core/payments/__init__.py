"""Payments: intents, refunds, payouts, a double-entry ledger, and the provider port."""
