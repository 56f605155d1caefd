"""Blockpage fingerprints: DNS answers and HTTP body/header patterns that identify a censor.

Shipped sets: Citizen Lab filtering-annotations (BSD-3, ``data/citizenlab/``) and presswatch's own KZ/KG
patterns (``data/presswatch.csv``). More files with the OONI ``blocking-fingerprints`` schema (or the Citizen
Lab one) are loaded at runtime from ``Fingerprints.load(extra_files=...)``, the ``fingerprints`` setting
(``PRESSWATCH_FINGERPRINTS``, an ``os.pathsep``-separated path list) and
``<data dir>/fingerprints/*.csv|*.json`` — no code change needed.

Matching is done as the schema says (unlike OONI's fastpath, which treats every body pattern as a
substring): ``contains``, ``prefix``, ``full`` and ``regexp`` (compiled once), on the body or on a named
header (``header.location``; plain ``header`` means any header).
"""

from __future__ import annotations

import ast
import csv
import json
import logging
import re
from collections.abc import Iterable, Mapping, Sequence
from dataclasses import dataclass, field
from pathlib import Path
from typing import TYPE_CHECKING, Any

if TYPE_CHECKING:
    from presswatch.settings import Settings

__all__ = [
    "BUILTIN_FILES",
    "DATA_DIR",
    "PATTERN_TYPES",
    "default_fingerprints",
    "Fingerprint",
    "Fingerprints",
    "read_file",
    "user_files",
]

log = logging.getLogger(__name__)

DATA_DIR = Path(__file__).resolve().parent / "data"
BUILTIN_FILES: tuple[Path, ...] = (
    DATA_DIR / "citizenlab" / "http.csv",
    DATA_DIR / "citizenlab" / "dns.csv",
    DATA_DIR / "presswatch.csv",
)
PATTERN_TYPES = ("contains", "prefix", "full", "regexp")


@dataclass(frozen=True)
class Fingerprint:
    """One signature. ``location`` is ``dns``, ``body``, ``header`` (any) or ``header.<name>``."""

    name: str
    location: str
    pattern_type: str
    pattern: str
    scope: str = ""
    confidence: int | None = None
    expected_countries: tuple[str, ...] = ()
    source: str = ""
    notes: str = ""
    regex: re.Pattern[str] | None = field(default=None, compare=False, repr=False)

    def matches_text(self, value: str) -> bool:
        """Apply the pattern to one string (body text, header value or DNS answer)."""
        if self.pattern_type == "full":
            return value.strip() == self.pattern
        if self.pattern_type == "prefix":
            return value.startswith(self.pattern)
        if self.pattern_type == "regexp":
            return self.regex is not None and self.regex.search(value) is not None
        return self.pattern in value

    def as_dict(self) -> dict[str, Any]:
        return {
            "name": self.name,
            "location": self.location,
            "pattern_type": self.pattern_type,
            "scope": self.scope,
            "confidence": self.confidence,
            "expected_countries": list(self.expected_countries),
        }


def _countries(raw: Any) -> tuple[str, ...]:
    if isinstance(raw, list):
        return tuple(str(c).upper() for c in raw if c)
    text = str(raw or "").strip()
    if text.startswith("["):
        try:
            value = ast.literal_eval(text)
            return tuple(str(c).upper() for c in value if c)
        except (ValueError, SyntaxError):
            pass
    return tuple(c.strip().upper() for c in text.split(",") if c.strip())


def _from_row(row: Mapping[str, Any], origin: str) -> Fingerprint | None:
    name = str(row.get("name") or "").strip()
    # Citizen Lab DNS files carry the answer in ``response``; HTTP files have no pattern_type (substring).
    pattern = row.get("pattern")
    location = str(row.get("location_found") or "").strip().lower()
    if pattern is None and row.get("response") is not None:
        pattern, location = row["response"], "dns"
    if not name or pattern is None or str(pattern) == "":
        return None
    ptype = str(row.get("pattern_type") or ("full" if location == "dns" else "contains")).strip().lower()
    if ptype not in PATTERN_TYPES:
        log.warning("fingerprint %s in %s: unknown pattern_type %r, skipped", name, origin, ptype)
        return None
    if not location:
        location = "body"
    regex = None
    if ptype == "regexp":
        try:
            regex = re.compile(str(pattern), re.DOTALL)
        except re.error as exc:
            log.warning("fingerprint %s in %s: bad regexp (%s), skipped", name, origin, exc)
            return None
    conf_raw = row.get("confidence_no_fp")
    try:
        confidence = int(conf_raw) if conf_raw not in (None, "") else None
    except (TypeError, ValueError):
        confidence = None
    return Fingerprint(
        name=name,
        location=location,
        pattern_type=ptype,
        pattern=str(pattern),
        scope=str(row.get("scope") or ""),
        confidence=confidence,
        expected_countries=_countries(row.get("expected_countries")),
        source=str(row.get("source") or origin),
        notes=str(row.get("notes") or ""),
        regex=regex,
    )


def read_file(path: Path) -> list[Fingerprint]:
    """Read one CSV or JSON fingerprint file (OONI or Citizen Lab schema)."""
    rows: Iterable[Mapping[str, Any]]
    if path.suffix.lower() == ".json":
        data = json.loads(path.read_text(encoding="utf-8"))
        rows = data if isinstance(data, list) else data.get("fingerprints", [])
    else:
        with open(path, encoding="utf-8", newline="") as fh:
            rows = list(csv.DictReader(fh))
    out = [fp for fp in (_from_row(r, path.name) for r in rows) if fp is not None]
    return out


def user_files(data_dir: Path | None = None) -> list[Path]:
    """``<data_dir>/fingerprints/*.csv|json`` (files named in settings come as ``extra_files``)."""
    files: list[Path] = []
    if data_dir is not None and (data_dir / "fingerprints").is_dir():
        files += sorted((data_dir / "fingerprints").glob("*.csv"))
        files += sorted((data_dir / "fingerprints").glob("*.json"))
    return files


class Fingerprints:
    """An indexed set of fingerprints; build with :meth:`load`."""

    def __init__(self, fingerprints: Sequence[Fingerprint]) -> None:
        self.all = list(fingerprints)
        self.dns: dict[str, Fingerprint] = {}
        for fp in self.all:
            if fp.location == "dns":
                self.dns[fp.pattern.strip().lower()] = fp  # later files win
        self.body = [fp for fp in self.all if fp.location == "body"]
        self.header = [fp for fp in self.all if fp.location.startswith("header")]

    def __len__(self) -> int:
        return len(self.all)

    @classmethod
    def load(
        cls,
        extra_files: Iterable[str | Path] = (),
        *,
        builtin: bool = True,
        data_dir: Path | None = None,
    ) -> Fingerprints:
        """Builtin sets, then the data folder's files, then ``extra_files``; a later name replaces."""
        paths = list(BUILTIN_FILES) if builtin else []
        paths += user_files(data_dir) + [Path(p) for p in extra_files]
        by_name: dict[str, Fingerprint] = {}
        for path in paths:
            try:
                for fp in read_file(path):
                    by_name[fp.name] = fp
            except (OSError, ValueError, csv.Error) as exc:
                log.warning("cannot read fingerprints from %s: %s", path, exc)
        return cls(list(by_name.values()))

    def match_dns(self, answers: Iterable[str]) -> Fingerprint | None:
        """First fingerprint whose answer equals one of ``answers`` (IPs or names)."""
        for ans in answers:
            fp = self.dns.get(ans.strip().rstrip(".").lower())
            if fp is not None:
                return fp
        return None

    def match_http(
        self, body: bytes | str | None, headers: Iterable[tuple[str, str]] | Mapping[str, str] = ()
    ) -> Fingerprint | None:
        """First fingerprint matching the headers (checked first, cheap) or the body."""
        items = list(headers.items()) if isinstance(headers, Mapping) else list(headers)
        lowered = [(k.lower(), v) for k, v in items]
        for fp in self.header:
            wanted = fp.location.partition(".")[2]
            for name, value in lowered:
                if (not wanted or name == wanted) and fp.matches_text(value):
                    return fp
        if body:
            text = body.decode("utf-8", "replace") if isinstance(body, bytes) else body
            for fp in self.body:
                if fp.matches_text(text):
                    return fp
        return None


_loaded: dict[tuple[Path | None, tuple[Path, ...]], Fingerprints] = {}


def default_fingerprints(settings: Settings | None = None) -> Fingerprints:
    """The builtin set plus, with settings, ``settings.fingerprints`` and ``DATA/fingerprints/``; loaded once."""
    key = (None, ()) if settings is None else (settings.data, tuple(settings.fingerprints))
    if key not in _loaded:
        _loaded[key] = Fingerprints.load(extra_files=key[1], data_dir=key[0])
    return _loaded[key]
