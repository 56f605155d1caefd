"""The server moved to :mod:`presswatch.web.app`; this name stays for older importers."""

from presswatch.web.app import BodyLimit, create_app

__all__ = ["BodyLimit", "create_app"]
