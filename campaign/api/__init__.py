"""The public JSON API under /api/v1: read-only, cacheable, open to every origin."""
