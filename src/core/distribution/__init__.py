"""Distribution: handing conference packs to participants at pickup points, without queues."""
