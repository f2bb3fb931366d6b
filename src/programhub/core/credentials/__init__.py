"""Credentials: batches issued to recipients for a program; each recipient has a public page."""
