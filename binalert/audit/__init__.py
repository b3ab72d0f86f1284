"""audit slice."""
