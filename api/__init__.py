"""api: the HTTP face of binalert (police and coordinator API, pages, ops endpoints)."""
