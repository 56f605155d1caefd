"""Vantage-point probes: enrollment, the client and its spool, signed envelopes, the probe server, reachability."""

__all__: list[str] = []
