"""Exports of signatures and responses: CSV, XLSX and JSON, streamed, safe to open in a spreadsheet."""
