"""The kernel every domain shares: money, time, ids, errors, events, paging, unit of work."""
