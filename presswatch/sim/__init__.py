"""Simulated worlds for tests, the demo and benchmarks: a news site (``sim.site``) and a censor (``sim.censor``)."""

__all__: list[str] = []
