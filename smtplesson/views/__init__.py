"""HTML views: pure functions that turn model objects into self-contained HTML strings."""
