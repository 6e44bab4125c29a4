"""Stagedoor's domain core: models, use cases and the ports they need.

Pure Python: the standard library and attrs only. Adapters implement the ports.
"""
