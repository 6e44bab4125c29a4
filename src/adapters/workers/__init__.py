"""Running outbox handlers outside requests: in-process (embedded) or Dramatiq on Redis."""
