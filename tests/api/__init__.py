"""The HTTP contract: every path, status code and problem document of the public API."""
