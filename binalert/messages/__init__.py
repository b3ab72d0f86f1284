"""Non-urgent messages (prevention advice from a coordinator or the police, called within the
BINs' calling hours, approved by the police where the zone wants it) and follow-ups on an
alert (feedback to the same members)."""
