"""Let warcio decode ``Content-Encoding: br`` records with the maintained Brotli module.

warcio 1.8 registers a brotli decompressor only in the shape of the retired ``brotlipy`` package
(``Decompressor().decompress()`` and a settable ``unused_data``). Google's ``Brotli`` (the ``brotli``
module this project and httpx use) has neither, so warcio crashes on the first br-encoded record it is
asked to decode: ``warcio check``, ``wacz create`` and replay indexing all stop there.

presswatch does not ask for br (see :data:`presswatch.fetch.client.ACCEPT_ENCODING`), but a server may
send it anyway, and such a record holds the br bytes as received. :func:`install` gives warcio a
decompressor with the API it expects, in this process; it is a no-op when warcio's own one works.
Importing :mod:`presswatch.archive` installs it; :mod:`presswatch.archive.wacz_tool` runs py-wacz
with it.
"""

from __future__ import annotations

import brotli
from warcio.bufferedreaders import BufferedReader

__all__ = ["install", "WarcioBrotliDecompressor"]


class WarcioBrotliDecompressor:
    """The brotlipy-style decompressor warcio's ``BufferedReader`` drives, over Google's Brotli."""

    # A brotli stream has no concatenated members: warcio reads None as "nothing after this one".
    unused_data: bytes | None = None

    def __init__(self) -> None:
        self._d = brotli.Decompressor()

    def decompress(self, data: bytes) -> bytes:
        out: bytes = self._d.process(data)
        return out

    def flush(self) -> bytes:
        return b""


def _warcio_brotli_works() -> bool:
    factory = BufferedReader.DECOMPRESSORS.get("br")
    if factory is None:
        return False
    try:
        d = factory()
        return callable(getattr(d, "decompress", None))
    except Exception:  # noqa: BLE001 - the broken factory raises AttributeError (or anything else)
        return False


def install() -> None:
    """Make warcio decode br payloads in this process (idempotent)."""
    if BufferedReader.DECOMPRESSORS.get("br") is WarcioBrotliDecompressor or _warcio_brotli_works():
        return
    BufferedReader.DECOMPRESSORS["br"] = WarcioBrotliDecompressor
