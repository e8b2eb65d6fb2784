"""Signing petitions and confirming signatures by email."""
