"""Outcome updates on a petition (\"we asked, you said, we did\"), emailed to signers who opted in."""
