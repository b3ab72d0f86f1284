"""auth slice."""
