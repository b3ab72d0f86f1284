"""The composition root: the `binalert` command builds the store, the speech service, the
dialers and the app from the settings and runs them (serve, worker, lab run, ...)."""
