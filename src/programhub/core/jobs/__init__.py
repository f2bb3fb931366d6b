"""Background jobs: work a request starts and a server process finishes (bulk
enrollments, exports, batches), kept in the database so any process may run it."""
