"""Planning loop: scenario changes and what-if comparison, rescheduling from shop-floor events."""
