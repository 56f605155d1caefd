"""The probe's on-disk outbox: one file per signed measurement, written atomically.

Every measurement is spooled before it is submitted and removed only once the server has stored it
(or already had it), so a crash or an unreachable server loses nothing; the server's idempotency on the
measurement id makes a re-submission count once.
"""

from __future__ import annotations

import json
import logging
import re
from dataclasses import dataclass
from pathlib import Path
from typing import Any

from presswatch.probes.envelope import atomic_write

__all__ = ["Spool", "SpooledMeasurement"]

log = logging.getLogger(__name__)
_SAFE = re.compile(r"^[0-9a-fA-F-]{1,64}$")


@dataclass(frozen=True)
class SpooledMeasurement:
    path: Path
    envelope: dict[str, Any]
    signature: str

    @property
    def measurement_id(self) -> str:
        return str(self.envelope["measurement_id"])


class Spool:
    """A folder of ``<measurement_id>.json`` files, each ``{"envelope": …, "signature": …}``."""

    def __init__(self, folder: Path) -> None:
        self.folder = folder
        folder.mkdir(parents=True, exist_ok=True, mode=0o700)

    def put(self, envelope: dict[str, Any], signature: str) -> Path:
        mid = str(envelope["measurement_id"])
        if not _SAFE.match(mid):
            raise ValueError(f"bad measurement id {mid!r}")
        path = self.folder / f"{mid}.json"
        data = json.dumps({"envelope": envelope, "signature": signature}, ensure_ascii=False).encode()
        atomic_write(path, data, mode=0o600)
        return path

    def pending(self) -> list[SpooledMeasurement]:
        """Spooled measurements, oldest file first; unreadable files are logged and skipped."""
        items: list[SpooledMeasurement] = []
        paths = sorted(self.folder.glob("*.json"), key=lambda p: (p.stat().st_mtime_ns, p.name))
        for path in paths:
            try:
                raw = json.loads(path.read_text(encoding="utf-8"))
                items.append(SpooledMeasurement(path, raw["envelope"], raw["signature"]))
            except (OSError, ValueError, KeyError, TypeError) as exc:
                log.warning("skipping unreadable spool file %s: %s", path, exc)
        return items

    def remove(self, item: SpooledMeasurement) -> None:
        item.path.unlink(missing_ok=True)

    def __len__(self) -> int:
        return sum(1 for _ in self.folder.glob("*.json"))
