"""Blocking measurement (OONI Web Connectivity style) and the probe network around it.

The measurement API lives in :mod:`presswatch.measure.measurement` (``measure``, ``Vantage``) and
:mod:`presswatch.measure.control` (``control_measure``, ``local_control``); imported lazily so that probe
tooling does not pay for it.
"""

from __future__ import annotations
