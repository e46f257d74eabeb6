"""Reads of the supervision pages (one module per page family); writes live in services."""
