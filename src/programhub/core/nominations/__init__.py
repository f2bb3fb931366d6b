"""Nominations: a contributor organisation or user asking to work on a program, with roles."""
