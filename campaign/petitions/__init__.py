"""Petitions: public pages, the organiser console and the lifecycle rules."""
