"""The capture pointer: where one archived record's bytes are.

A capture is written by :meth:`~presswatch.archive.warc.WarcArchive.write_exchange` (which returns a
:class:`~presswatch.archive.warc.CaptureRef`, the record's metadata), indexed as a ``Capture`` row, and
cited in JSON as ``{"warc_file", "offset", "length", …}``. In code, the location part of all three is
one :class:`CapturePointer`: ``CaptureRef.pointer``, ``Capture.pointer``, :meth:`CapturePointer.from_dict`
for JSON, :meth:`CapturePointer.as_dict` back to the JSON shape.
"""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass
from pathlib import Path
from typing import Any, Protocol

from presswatch.errors import ArchiveError

__all__ = ["CapturePointer", "HasPointer"]


class HasPointer(Protocol):
    """Anything that carries a pointer's three fields (a ``CaptureRef``, a ``Capture`` row)."""

    @property
    def warc_file(self) -> str: ...

    @property
    def offset(self) -> int: ...

    @property
    def length(self) -> int: ...


@dataclass(frozen=True, slots=True)
class CapturePointer:
    """A record's stored bytes: ``length`` bytes at ``offset`` of ``warc_file`` (relative to the data folder)."""

    warc_file: str
    offset: int
    length: int

    def __post_init__(self) -> None:
        if not isinstance(self.warc_file, str) or not self.warc_file:
            raise ArchiveError(f"capture pointer without a WARC file: {self.warc_file!r}")
        for name in ("offset", "length"):
            v = getattr(self, name)
            if not isinstance(v, int) or isinstance(v, bool) or v < 0:
                raise ArchiveError(f"capture pointer {name} must be a non-negative integer, not {v!r}")

    @classmethod
    def of(cls, obj: HasPointer) -> CapturePointer:
        """The pointer of a ``CaptureRef`` or a ``Capture`` row."""
        return cls(obj.warc_file, obj.offset, obj.length)

    @classmethod
    def from_dict(cls, d: Mapping[str, Any]) -> CapturePointer:
        """From the JSON shape (other keys ignored); :class:`ArchiveError` when it is malformed."""
        try:
            return cls(str(d["warc_file"]), int(d["offset"]), int(d["length"]))
        except (KeyError, TypeError, ValueError) as exc:
            raise ArchiveError(f"malformed capture pointer: {exc}") from None

    def as_dict(self) -> dict[str, Any]:
        """The JSON shape: ``{"warc_file", "offset", "length"}`` (callers add digests and ids)."""
        return {"warc_file": self.warc_file, "offset": self.offset, "length": self.length}

    def __str__(self) -> str:
        return f"{self.warc_file}@{self.offset}"

    def path(self, data_dir: Path) -> Path:
        """The WARC file under ``data_dir``; :class:`ArchiveError` when the pointer leaves it."""
        root = Path(data_dir).resolve()
        p = (root / self.warc_file).resolve()
        if not p.is_relative_to(root):
            raise ArchiveError(f"{self}: WARC path leaves the data folder")
        return p

    def read(self, data_dir: Path) -> bytes:
        """The record's bytes exactly as stored (one gzip member); :class:`ArchiveError` when the file is
        missing, unreadable or too short."""
        path = self.path(data_dir)
        try:
            with open(path, "rb") as fh:
                fh.seek(self.offset)
                data = fh.read(self.length)
        except OSError as exc:
            raise ArchiveError(f"{self}: cannot read {self.warc_file}: {exc}") from exc
        if len(data) != self.length:
            raise ArchiveError(f"{self}: truncated record ({len(data)} of {self.length} bytes)")
        return data
