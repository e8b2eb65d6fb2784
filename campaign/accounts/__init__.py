"""Organiser accounts: sign in, sign out, passwords."""
