"""HTTP API: dependencies (:mod:`service.api.deps`) and routers (:mod:`service.api.routes`)."""
