"""Listings: programs and courses, in one table and one integer id space.

A program is what every platform calls a program; courses exist for Canvas Catalog and
appear in other platforms only as requirements of programs.
"""

from programhub.core.listings import service

__all__ = ["service"]
