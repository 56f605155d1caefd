"""Bounded content decoding: gzip/deflate/brotli bombs stop at a cap instead of eating memory."""

from __future__ import annotations

import zlib

from ..errors import FetchError

_CHUNK = 64 * 1024


def decode_content(raw: bytes, encoding: str | None, max_bytes: int) -> bytes:
    """Undo ``Content-Encoding`` (possibly stacked, e.g. ``gzip, br``) without exceeding ``max_bytes``."""
    if not encoding:
        return raw
    data = raw
    codings = [c.strip().lower() for c in encoding.split(",") if c.strip()]
    for coding in reversed(codings):
        if coding in ("identity", ""):
            continue
        if coding in ("gzip", "x-gzip", "deflate"):
            data = _zlib(data, coding, max_bytes)
        elif coding == "br":
            data = _brotli(data, max_bytes)
        else:
            raise FetchError("bad-response", f"unsupported content-encoding {coding!r}")
    return data


def _zlib(data: bytes, coding: str, max_bytes: int) -> bytes:
    wbits = 16 + zlib.MAX_WBITS if coding != "deflate" else zlib.MAX_WBITS
    d = zlib.decompressobj(wbits)
    out = bytearray()
    buf = data
    try:
        while True:
            chunk = d.decompress(buf, _CHUNK)
            out += chunk
            if len(out) > max_bytes:
                raise FetchError("too-large", f"decompressed body exceeds {max_bytes} bytes (compression bomb?)")
            buf = d.unconsumed_tail
            if not buf and (not chunk or d.eof):
                break
        out += d.flush()
    except zlib.error as exc:
        if coding == "deflate" and not out:  # raw deflate without zlib header
            return _raw_deflate(data, max_bytes)
        raise FetchError("bad-response", f"corrupt {coding} body: {exc}") from exc
    if len(out) > max_bytes:
        raise FetchError("too-large", f"decompressed body exceeds {max_bytes} bytes (compression bomb?)")
    return bytes(out)


def _raw_deflate(data: bytes, max_bytes: int) -> bytes:
    d = zlib.decompressobj(-zlib.MAX_WBITS)
    try:
        out = d.decompress(data, max_bytes + 1)
    except zlib.error as exc:
        raise FetchError("bad-response", f"corrupt deflate body: {exc}") from exc
    if len(out) > max_bytes:
        raise FetchError("too-large", f"decompressed body exceeds {max_bytes} bytes (compression bomb?)")
    return out


def _brotli(data: bytes, max_bytes: int) -> bytes:
    import brotli

    d = brotli.Decompressor()
    out = bytearray()
    try:
        pos = 0
        while pos < len(data) or not d.can_accept_more_data():
            piece = b"" if not d.can_accept_more_data() else data[pos : pos + 1024]
            pos += len(piece)
            out += d.process(piece, output_buffer_limit=_CHUNK)
            if len(out) > max_bytes:
                raise FetchError("too-large", f"decompressed body exceeds {max_bytes} bytes (compression bomb?)")
            if d.is_finished():
                break
    except brotli.error as exc:
        raise FetchError("bad-response", f"corrupt brotli body: {exc}") from exc
    return bytes(out)
