"""HTTP routers: thin adapters over the binalert slices."""
