"""Per-key call counters kept in the database, so every server process shares them."""
