"""User identities: a person's identity in an organisation for one admissions cycle (WebAdMIT)."""
