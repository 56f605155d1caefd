"""Vantage-point probes: enrollment, the probe client and its spool, signed envelopes, the server, reachability."""
