"""Deliveries (one member x one alert), their call attempts and their event log."""
