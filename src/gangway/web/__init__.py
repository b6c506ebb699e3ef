"""HTTP plumbing shared by every router: runtime, dependencies, middleware, error rendering."""
