"""Integrity: abuse screening, trending, invalidations and blocklists."""
