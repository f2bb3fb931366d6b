"""Admissions: applicants of an organisation's cycle, their designations to programs,
decisions (each mapped to an outcome), local statuses, custom fields and their answers,
saved exports and the files they produce (WebAdMIT's resources)."""
