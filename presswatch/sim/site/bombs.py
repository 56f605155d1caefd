"""Decompression bombs and huge bodies, built once per process and streamed."""

from __future__ import annotations

import functools
import struct
import zlib
from collections.abc import Iterator

__all__ = ["brotli_bomb", "gzip_bomb", "huge_body", "zeros_crc32"]

_SEGMENT = 1 << 24  # 16 MiB of zeros per repeated compressed segment


_Affine = tuple[tuple[int, ...], int]  # GF(2) affine map on 32-bit CRC states: (columns, constant)


def _apply(m: _Affine, c: int) -> int:
    cols, out = m
    i = 0
    while c:
        if c & 1:
            out ^= cols[i]
        c >>= 1
        i += 1
    return out


def _compose(g: _Affine, f: _Affine) -> _Affine:
    """The map ``g(f(c))``."""
    const = _apply(g, f[1])
    return tuple(_apply(g, f[1] ^ col) ^ const for col in f[0]), const


def zeros_crc32(length: int) -> int:
    """``zlib.crc32(bytes(length))`` in O(log length), without touching ``length`` bytes."""
    const = zlib.crc32(b"\0", 0)
    step: _Affine = (tuple(zlib.crc32(b"\0", 1 << i) ^ const for i in range(32)), const)
    result: _Affine = (tuple(1 << i for i in range(32)), 0)  # identity
    while length:
        if length & 1:
            result = _compose(step, result)
        step = _compose(step, step)
        length >>= 1
    return _apply(result, 0)


@functools.lru_cache(maxsize=4)
def gzip_bomb(gigabytes: float = 5.0, layers: int = 1) -> bytes:
    """A gzip member that inflates to ``gigabytes`` GiB of zeros.

    Deflate cannot beat ~1030:1, so one layer is ~5 MB on the wire for 5 GiB; ``layers=2`` gzips that
    again (``Content-Encoding: gzip, gzip``) and is ~10 KB on the wire.
    """
    count = max(1, int(gigabytes * (1 << 30)) // _SEGMENT)
    comp = zlib.compressobj(9, zlib.DEFLATED, -15)
    zeros = bytes(_SEGMENT)
    segment = comp.compress(zeros) + comp.flush(zlib.Z_FULL_FLUSH)
    # After a full flush the compressor state is reset, so every further segment is byte-identical.
    deflated = segment * count + comp.flush(zlib.Z_FINISH)
    size = count * _SEGMENT
    crc = zeros_crc32(size)
    header = b"\x1f\x8b\x08\x00\x00\x00\x00\x00\x02\xff"
    data = header + deflated + struct.pack("<II", crc & 0xFFFFFFFF, size & 0xFFFFFFFF)
    for _ in range(layers - 1):
        outer = zlib.compressobj(9, zlib.DEFLATED, 31)
        data = outer.compress(data) + outer.flush()
    return data


@functools.lru_cache(maxsize=2)
def brotli_bomb(gigabytes: float = 5.0) -> bytes:
    """A brotli stream that decompresses to ``gigabytes`` GiB of zeros (~1 MB for 5 GiB)."""
    import brotli

    count = max(1, int(gigabytes * (1 << 30)) // _SEGMENT)
    comp = brotli.Compressor(quality=1, lgwin=24)
    zeros = bytes(_SEGMENT)
    parts = [comp.process(zeros) + comp.flush() for _ in range(min(count, 3))]
    if count > 3 and parts[1] == parts[2]:
        # The encoder is in a steady state: further segments are byte-identical.
        parts.append(parts[2] * (count - 3))
    else:
        parts.extend(comp.process(zeros) + comp.flush() for _ in range(count - len(parts)))
    parts.append(comp.finish())
    return b"".join(parts)


def huge_body(total: int, chunk: int = 1 << 16) -> Iterator[bytes]:
    """Yield ``total`` bytes of an endless but valid-looking HTML page, ``chunk`` bytes at a time."""
    head = b'<!DOCTYPE html><html><head><meta charset="utf-8"><title>Archive</title></head><body>\n'
    line = b"<p>Archive listing entry: nothing to see here, keep scrolling.</p>\n"
    block = (line * (chunk // len(line) + 1))[:chunk]
    sent = 0
    first = head + block[len(head) :]
    while sent < total:
        piece = first if sent == 0 else block
        piece = piece[: total - sent]
        sent += len(piece)
        yield piece
