"""The audit log: an append-only record of what organisers (and commands) changed, viewable by admins."""
