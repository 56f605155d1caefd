"""A simulated news outlet on a real socket, for tests, the demo and benchmarks.

::

    with SimSite(articles=40, seed=1).start() as site:
        site.set_state(site.slugs()[0], "removal-notice", lang="ru")

Scenarios (``set_state(slug, state, **params)``) — normal, edit-paragraph (index, text, remove, add),
edit-headline (title), churn, ab, delete-404, delete-410, soft-404, redirect-home, removal-notice
(lang en|ru|ky|kk, variant), content-replaced, http-451, geo-wall (status), login-wall (redirect),
flaky-503 (every: the every-th, 2·every-th … request fails), timeout (seconds), slow (bytes_per_sec),
slowloris (interval), bad-encoding (missing, meta), huge (mb), gzip-bomb (gb, layers), brotli-bomb (gb),
redirect-loop, malformed-html, bad-response (mode: garbage|mid-headers|bad-status|http09|empty),
connection-reset. ``normal`` with ``revert=True`` restores the original text as a new version.
"""

from __future__ import annotations

from presswatch.sim.site.content import Article
from presswatch.sim.site.server import STATES, SimSite

__all__ = ["STATES", "Article", "SimSite"]
