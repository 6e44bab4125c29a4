"""Resale: a fair, safe marketplace for tickets between fans."""
