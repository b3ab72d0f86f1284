"""The dialer's way to the store: store.writer.StoreWriter (shared with the SMS worker)."""

from store.writer import StoreWriter

__all__ = ["StoreWriter"]
