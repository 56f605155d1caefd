"""Bounded content decoding: gzip/deflate/brotli bombs stop at a cap instead of eating memory."""

from __future__ import annotations

import zlib

from presswatch.errors import FetchError

__all__ = ["decode_content"]

_CHUNK = 64 * 1024


def decode_content(raw: bytes, encoding: str | None, max_bytes: int, *, truncate: bool = False) -> bytes:
    """Undo ``Content-Encoding`` (possibly stacked, e.g. ``gzip, br``) without exceeding ``max_bytes``.

    Past the cap it raises ``FetchError("too-large")``, or with ``truncate=True`` returns the first
    ``max_bytes`` (measurements keep a capped body and mark it truncated).
    """
    if not encoding:
        return raw
    data = raw
    codings = [c.strip().lower() for c in encoding.split(",") if c.strip()]
    for coding in reversed(codings):
        if coding in ("identity", ""):
            continue
        if coding in ("gzip", "x-gzip", "deflate"):
            data = _zlib(data, coding, max_bytes, truncate)
        elif coding == "br":
            data = _brotli(data, max_bytes, truncate)
        else:
            raise FetchError("bad-response", f"unsupported content-encoding {coding!r}")
    return data


def _over(out: bytearray, max_bytes: int, truncate: bool) -> bool:
    """True when the cap is passed and decoding should stop (truncating); raise when not truncating."""
    if len(out) <= max_bytes:
        return False
    if truncate:
        del out[max_bytes:]
        return True
    raise FetchError("too-large", f"decompressed body exceeds {max_bytes} bytes (compression bomb?)")


def _zlib(data: bytes, coding: str, max_bytes: int, truncate: bool) -> bytes:
    wbits = 16 + zlib.MAX_WBITS if coding != "deflate" else zlib.MAX_WBITS
    d = zlib.decompressobj(wbits)
    out = bytearray()
    buf = data
    try:
        while True:
            chunk = d.decompress(buf, _CHUNK)
            out += chunk
            if _over(out, max_bytes, truncate):
                return bytes(out)
            buf = d.unconsumed_tail
            if not buf and (not chunk or d.eof):
                break
        out += d.flush()
    except zlib.error as exc:
        if coding == "deflate" and not out:  # raw deflate without zlib header
            return _raw_deflate(data, max_bytes, truncate)
        raise FetchError("bad-response", f"corrupt {coding} body: {exc}") from exc
    _over(out, max_bytes, truncate)
    return bytes(out)


def _raw_deflate(data: bytes, max_bytes: int, truncate: bool) -> bytes:
    d = zlib.decompressobj(-zlib.MAX_WBITS)
    try:
        out = bytearray(d.decompress(data, max_bytes + 1))
    except zlib.error as exc:
        raise FetchError("bad-response", f"corrupt deflate body: {exc}") from exc
    _over(out, max_bytes, truncate)
    return bytes(out)


def _brotli(data: bytes, max_bytes: int, truncate: bool) -> bytes:
    import brotli

    d = brotli.Decompressor()
    out = bytearray()
    try:
        pos = 0
        while pos < len(data) or not d.can_accept_more_data():
            piece = b"" if not d.can_accept_more_data() else data[pos : pos + 1024]
            pos += len(piece)
            out += d.process(piece, output_buffer_limit=_CHUNK)
            if _over(out, max_bytes, truncate) or d.is_finished():
                break
    except brotli.error as exc:
        raise FetchError("bad-response", f"corrupt brotli body: {exc}") from exc
    return bytes(out)
