"""Archive stage: every fetched exchange as WARC 1.1, deduplicated, indexed, exportable as WACZ."""

from .brotli_compat import install as _install_brotli_compat

_install_brotli_compat()

from .warc import CaptureRef, WarcArchive, read_record  # noqa: E402

__all__ = ["CaptureRef", "WarcArchive", "read_record"]
