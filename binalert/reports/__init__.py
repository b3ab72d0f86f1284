"""reports slice: acknowledgement reports per BIN for its coordinator."""
