"""The webhook sender: the adapter that posts signed delivery events to the zones' receivers
over HTTPS, as ivr/ is the adapter to the PBX. What a webhook is, which addresses it may
reach and which jobs are queued belong to the domain (binalert/webhooks/)."""
