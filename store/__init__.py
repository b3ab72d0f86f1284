"""The store's plumbing, below the domain: the database (`db`), the in-process wake-up bus
(`bus`), `announce()` of a change in a writer's transaction, PostgreSQL's NOTIFY turned into
bus topics in other processes (`pgnotify`), and dialect hints for hot queries (`sqlhints`).

It knows no subject of binalert's: the domain (binalert/) builds on it."""
