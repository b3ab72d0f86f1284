"""members slice."""
