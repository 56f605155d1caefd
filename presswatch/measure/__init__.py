"""Blocking measurement, OONI Web Connectivity style: DNS, TCP, TLS and HTTP steps, comparison, control, fingerprints.

The measurement API lives in :mod:`presswatch.measure.measurement` (``measure``, ``Vantage``) and
:mod:`presswatch.measure.control` (``control_measure``, ``local_control``); the probes that run it at
vantage points are :mod:`presswatch.probes`.
"""

from __future__ import annotations

__all__: list[str] = []
