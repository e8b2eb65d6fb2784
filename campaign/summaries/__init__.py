"""Summaries of signatures and responses: figures, charts, themes and quotes for organisers and briefings."""
