"""HTTP plumbing shared by every dialect: auth dependency, error routing, middleware."""
