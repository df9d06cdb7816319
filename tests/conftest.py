"""Shared pytest set-up for tests/ (kept small on purpose)."""
from __future__ import annotations

# Folders of test data, never collected as tests.
collect_ignore_glob = ["fixtures/*", "data/*"]
