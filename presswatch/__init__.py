"""presswatch: a censorship observatory for online news.

Pipeline stages, one package each: ``sources`` → ``fetch`` → ``archive`` → ``analyze`` →
``measure`` → ``record`` → ``publish``. The CLI (:mod:`presswatch.cli`) and the web app are thin
shells over :class:`presswatch.core.Presswatch`.
"""

from __future__ import annotations

import logging

__version__ = "0.1.0"
__all__ = ["__version__"]

logging.getLogger("presswatch").addHandler(logging.NullHandler())
