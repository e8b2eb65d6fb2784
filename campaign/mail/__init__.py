"""Outgoing mail: an outbox table written with the change it announces, and a sender that delivers it."""
