"""The presswatch exception hierarchy.

::

    PresswatchError
    ├── ConfigError            bad settings or CLI input
    ├── InvalidURL             not an http(s) URL we can fetch
    ├── BlockedTarget          SSRF guard: private/loopback/link-local target refused
    ├── FetchError             a fetch failed; ``reason`` is an ``unreachable`` reason code
    │   (dns, connect, tls, timeout, http-5xx, too-large, too-many-redirects, bad-response)
    ├── ArchiveError           a WARC could not be written or read back
    ├── DatabaseError          the database is unreachable or inconsistent
    ├── NotFound               a watch, demand, incident … does not exist
    └── VerificationError      evidence did not verify (names what failed)
"""

from __future__ import annotations


class PresswatchError(Exception):
    """Base class of every error presswatch raises on purpose."""


class ConfigError(PresswatchError):
    pass


class InvalidURL(PresswatchError):
    pass


class BlockedTarget(PresswatchError):
    pass


class FetchError(PresswatchError):
    def __init__(self, reason: str, message: str) -> None:
        super().__init__(message)
        self.reason = reason


class ArchiveError(PresswatchError):
    pass


class DatabaseError(PresswatchError):
    pass


class NotFound(PresswatchError):
    pass


class VerificationError(PresswatchError):
    pass
