"""Learners: users, their enrollments in programs and courses, and waitlists."""
