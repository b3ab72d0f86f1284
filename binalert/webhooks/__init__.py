"""webhooks slice."""
