"""The dialing processes' health: heartbeats in the store, and what they mean for each PBX."""
