"""Adapters: the outside world's implementations of the core's ports."""
