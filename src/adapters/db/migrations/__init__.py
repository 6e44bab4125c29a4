"""Piccolo migrations of the stagedoor app, applied in ID order by `adapters.db.migrate`."""
