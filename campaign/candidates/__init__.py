"""Candidates: invited to say where they stand on a petition, by a private link, in public."""
