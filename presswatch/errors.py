"""The presswatch exception hierarchy.

Every error presswatch raises on purpose is a :class:`PresswatchError`; a shell (CLI, web app)
catches that one class. Classes a module keeps next to the code that raises them are listed here
with the module that defines them. A bad input to the pipeline or the core (an unknown watch id, an
unknown kind, a malformed request) raises one of these, never a bare ``LookupError``/``KeyError``/
``ValueError``.

::

    PresswatchError
    ├── ConfigError            bad settings, CLI or API input
    │   ├── InvalidDemand      cases.demands: a demand that cannot be recorded
    │   │   ├── DuplicateDemand   cases.demands: the same demand again
    │   │   ├── InvalidDocument   cases.demands: an attached document refused
    │   │   └── InvalidIncident   cases.incidents: an incident that cannot be recorded
    │   ├── InvalidReport      reports.ingest: a press report that cannot be read or reviewed
    │   ├── ControlInputError  measure.control: a malformed control request (API answers 422)
    │   ├── InvalidUser        web.auth: a user name, role or password refused
    │   └── InvalidSearch      web.search: a search with no words
    ├── InvalidURL             not an http(s) URL we can fetch
    ├── BlockedTarget          SSRF guard: private/loopback/link-local target refused
    ├── FetchError             a fetch failed; ``reason`` is an ``unreachable`` reason code
    │   (dns, connect, tls, timeout, http-5xx, too-large, too-many-redirects, bad-response)
    ├── AnalysisFailed         pipeline: analysing a page did not finish; ``reason`` is
    │                          analysis-timeout | analysis-crashed
    ├── ArchiveError           a WARC could not be written or read back
    ├── DatabaseError          the database is unreachable or inconsistent
    ├── NotFound               a watch, demand, incident … does not exist
    ├── OoniError              reports.ooni: OONI's API unreadable or a measurement not in its format
    ├── LoginRefused           web.auth: wrong user name or password
    │   └── RateLimited        web.auth: too many failed sign-ins
    ├── InvalidMeasurement     probes.reachability: a submitted envelope lacks what a measurement needs
    ├── ProbeError             probes.client: the server refused a probe request (``status``)
    ├── ServerUnreachable      probes.client: the probe server could not be reached
    └── VerificationError      evidence did not verify (names what failed)
        └── ReplayError        probes.envelope: a request/measurement id seen before, or stale

Not in the tree, on purpose: ``cli._support._Interrupted`` (control flow for SIGINT/SIGTERM, must not
be caught as an error) and ``web.app._TooLarge`` (a Starlette HTTP exception, answered as 413).
"""

from __future__ import annotations

__all__ = [
    "ArchiveError",
    "BlockedTarget",
    "ConfigError",
    "DatabaseError",
    "FetchError",
    "InvalidURL",
    "NotFound",
    "PresswatchError",
    "VerificationError",
]


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
