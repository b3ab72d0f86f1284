"""Buddies (#24): members of a BIN who look in on a neighbour when an urgent alert did not
reach them. Links (`service`: offered, confirmed by both sides, ended by either), the relay
that passes an unreached alert on to an acknowledging buddy (`relay`, called by the delivery
lifecycle when an alert ends), and what the police see of it (`view`)."""
