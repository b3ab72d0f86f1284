"""alerts slice."""
