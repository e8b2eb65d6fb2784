"""Candidate briefings: petitions and consultations summarised for a named audience, shared by link or PDF."""
