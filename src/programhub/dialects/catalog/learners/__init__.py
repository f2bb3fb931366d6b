"""Catalog's learner resources (users, enrollments, waitlist applicants), in the dialect's
layout: `requests.py`, `responses.py`, `queries.py`, `docs.py`; their routes are
`routes/users.py`, `routes/enrollments.py` and `routes/applicants.py`."""
