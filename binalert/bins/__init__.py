"""bins slice."""
