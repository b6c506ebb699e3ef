"""HTTP plumbing shared by every router: dependencies, middleware, error rendering, idempotency."""
