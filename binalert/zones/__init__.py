"""Police zones' own settings: the dispatch line members may be put through to, and whether
coordinators' messages need approval."""
