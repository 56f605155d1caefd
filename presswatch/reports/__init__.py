"""Press reports: ingest a report, extract a structured draft (English, Russian), review it, and check
every checkable claim with presswatch's own evidence (captures, measurements) or OONI's public data."""

__all__: list[str] = []
