"""Archive stage: every fetched exchange as WARC 1.1, deduplicated, indexed, exportable as WACZ."""

from .warc import CaptureRef, WarcArchive, read_record

__all__ = ["CaptureRef", "WarcArchive", "read_record"]
