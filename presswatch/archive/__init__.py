"""Archive stage: every fetched exchange as WARC 1.1, deduplicated, indexed, exportable as WACZ."""

from presswatch.archive.brotli_compat import install as _install_brotli_compat

_install_brotli_compat()

from presswatch.archive.pointer import CapturePointer  # noqa: E402
from presswatch.archive.records import CheckedRecord, RecordReader, check_record  # noqa: E402
from presswatch.archive.warc import CaptureRef, WarcArchive, read_record  # noqa: E402

__all__ = [
    "CapturePointer",
    "CaptureRef",
    "CheckedRecord",
    "RecordReader",
    "WarcArchive",
    "check_record",
    "read_record",
]
