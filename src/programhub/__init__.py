"""programhub: one store of education programs, served through four platforms' APIs."""

__version__ = "0.1.0"
