"""WACZ files written with py-wacz's Python API (in process, with warcio able to decode br records).

* :func:`create_wacz` — a WACZ of whole WARC files: py-wacz's own ``create`` (compressed CDXJ index,
  ``datapackage.json`` and its digest) with an explicit page list.
* :func:`write_wacz` — a WACZ assembled member by member: the WARC members given, a CDXJ index made by
  py-wacz's :class:`~wacz.waczindexer.WACZIndexer`, the page list given, further members (evidence),
  and ``datapackage.json``/``datapackage-digest.json`` from py-wacz, with extra package fields.

Both write to a temporary file beside ``out`` and rename it into place only when everything succeeded:
a failure leaves no file (and an earlier ``out`` untouched) and raises :class:`ArchiveError`.

``python -m presswatch.archive.wacz_tool ARGS...`` is ``python -m wacz.main ARGS...`` with
:mod:`presswatch.archive.brotli_compat` installed first (see there for why).
"""

from __future__ import annotations

import contextlib
import io
import json
import os
import shutil
import sys
import zipfile
from collections.abc import Callable, Iterable, Iterator, Mapping, Sequence
from pathlib import Path
from types import SimpleNamespace
from typing import Any

from presswatch.archive.brotli_compat import install
from presswatch.errors import ArchiveError

__all__ = ["PAGES_HEADER", "create_wacz", "main", "pages_jsonl", "write_wacz"]

PAGES_HEADER = {"format": "json-pages-1.0", "id": "pages"}
_FIXED_DATE = (2020, 1, 1, 0, 0, 0)  # members' zip dates: a bundle's bytes depend on its content only


@contextlib.contextmanager
def _atomic(out: Path) -> Iterator[Path]:
    """A temporary path beside ``out``, renamed to ``out`` when the block succeeds, removed otherwise."""
    out = Path(out)
    out.parent.mkdir(parents=True, exist_ok=True)
    tmp = out.with_name(f".{out.stem}.{os.getpid()}.part.wacz")
    try:
        yield tmp
        tmp.replace(out)
    except ArchiveError:
        tmp.unlink(missing_ok=True)
        raise
    except Exception as exc:  # warcio and py-wacz raise many types on an unreadable WARC
        tmp.unlink(missing_ok=True)
        raise ArchiveError(f"wacz failed: {type(exc).__name__}: {exc}"[:600]) from exc
    except BaseException:
        tmp.unlink(missing_ok=True)
        raise


def _quiet(fn: Callable[[], Any]) -> tuple[Any, str]:
    """Run py-wacz code, keeping what it prints (progress) off our stdout; returns (result, output)."""
    buf = io.StringIO()
    with contextlib.redirect_stdout(buf):
        result = fn()
    return result, buf.getvalue()


def pages_jsonl(pages: Iterable[Mapping[str, Any]], title: str) -> bytes:
    """A ``pages.jsonl`` (json-pages-1.0): its header, then one line per page as given."""
    lines = [json.dumps({**PAGES_HEADER, "title": title})]
    lines.extend(json.dumps(dict(p)) for p in pages)
    return ("\n".join(lines) + "\n").encode("utf-8")


def create_wacz(out: Path, warcs: Sequence[Path], pages: Iterable[Mapping[str, Any]], *, title: str) -> None:
    """A WACZ of whole WARC files by py-wacz's ``create``, listing exactly ``pages`` (url, ts, title)."""
    import tempfile

    install()
    from wacz.main import main as wacz_main

    with _atomic(out) as tmp, tempfile.TemporaryDirectory(prefix="presswatch-wacz-") as work:
        pages_path = Path(work) / "pages.jsonl"
        pages_path.write_bytes(pages_jsonl(pages, title))
        args = ["create", "-o", str(tmp), "--pages", str(pages_path), *map(str, warcs)]
        rc, printed = _quiet(lambda: wacz_main(args))
        if rc or not tmp.exists():
            raise ArchiveError(f"wacz failed: {printed.strip()[-500:]}")


def write_wacz(
    out: Path,
    warcs: Mapping[str, Path],
    pages: bytes,
    members: Mapping[str, bytes],
    *,
    package: Mapping[str, Any],
    dump: Callable[[Any], bytes],
    index_name: str = "indexes/index.cdxj",
) -> None:
    """A WACZ of the WARC ``warcs`` (member name -> file, stored uncompressed), a sorted CDXJ index of them
    (py-wacz's indexer, the member's base name as filename), the ``pages`` list as given, further
    ``members`` (name -> bytes), and py-wacz's ``datapackage.json`` (every member's hash and size) with
    the ``package`` fields added, serialised by ``dump``, and its digest."""
    install()
    from wacz.waczindexer import WACZIndexer

    def info(name: str, method: int = zipfile.ZIP_DEFLATED) -> zipfile.ZipInfo:
        zi = zipfile.ZipInfo(name, date_time=_FIXED_DATE)
        zi.compress_type = method
        return zi

    with _atomic(out) as tmp:
        staging = tmp.with_name(tmp.name + ".members")
        try:
            with zipfile.ZipFile(staging, "w") as zf:
                for name, path in warcs.items():
                    with open(path, "rb") as src, zf.open(info(name, zipfile.ZIP_STORED), "w") as dst:
                        shutil.copyfileobj(src, dst, 1 << 20)
                index = io.StringIO()
                indexer = WACZIndexer(
                    index, [str(p) for p in warcs.values()], sort=True, passed_pages_dict={}, hash_type="sha256"
                )
                _quiet(indexer.process_all)
                zf.writestr(info(index_name), index.getvalue().encode("utf-8"))
                zf.writestr(info("pages/pages.jsonl"), pages)
                for name, data in members.items():
                    zf.writestr(info(name), data)
                meta = SimpleNamespace(title=package.get("title"), desc=package.get("description"), date=None)
                generated, _ = _quiet(lambda: indexer.generate_datapackage(meta, zf))
            package_bytes = dump({**json.loads(generated), **package})
            digest = json.loads(indexer.generate_datapackage_digest(package_bytes))
            # the package first, then the members as staged (the layout bundles have always had)
            with zipfile.ZipFile(staging) as src_zip, zipfile.ZipFile(tmp, "w") as zf:
                zf.writestr(info("datapackage.json"), package_bytes)
                zf.writestr(info("datapackage-digest.json"), dump(digest))
                for zi in src_zip.infolist():
                    with src_zip.open(zi) as member, zf.open(info(zi.filename, zi.compress_type), "w") as dst:
                        shutil.copyfileobj(member, dst, 1 << 20)
        finally:
            staging.unlink(missing_ok=True)


def main(argv: list[str] | None = None) -> int:
    install()
    from wacz.main import main as wacz_main

    rc = wacz_main(sys.argv[1:] if argv is None else argv)
    return int(rc or 0)


if __name__ == "__main__":  # pragma: no cover - exercised through a subprocess
    sys.exit(main())
