"""Cross-cutting service plumbing: settings, errors, logging, middleware, metrics, docs."""
