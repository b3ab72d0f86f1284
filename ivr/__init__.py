"""ivr: AMI call control, the dialer and the call state machine."""
