"""``export`` and ``repair-warc``: getting evidence out, and mending a torn WARC tail."""

from __future__ import annotations

from enum import StrEnum
from pathlib import Path
from typing import Annotated

import typer

from presswatch.cli._support import err, errors_as_usage, fail, open_core, out, progress

__all__ = ["export", "ExportFormat", "register", "repair_warc"]


class ExportFormat(StrEnum):
    json = "json"
    csv = "csv"
    warc = "warc"
    wacz = "wacz"


def export(
    ctx: typer.Context,
    what: Annotated[
        str | None, typer.Argument(metavar="[incident ID]", help="`incident ID` exports one incident's bundle.")
    ] = None,
    ident: Annotated[int | None, typer.Argument(hidden=True)] = None,
    fmt: Annotated[ExportFormat, typer.Option("--format", help="Observations as JSON lines or CSV; the archive as "
                                                              "one WARC or a WACZ.")] = ExportFormat.json,
    out_file: Annotated[
        Path | None, typer.Option("--out", "-o", metavar="FILE", help="Output file (default stdout for json/csv).")
    ] = None,
    bundle: Annotated[
        Path | None, typer.Option("--bundle", metavar="FILE", help="Bundle file (with `export incident ID`).")
    ] = None,
    private: Annotated[bool, typer.Option("--include-private", help="Include private demands in a bundle.")] = False,
) -> None:
    """Export observations (JSON lines or CSV), the archive (one WARC / a WACZ), or an incident bundle.

    ``presswatch export incident ID --bundle FILE`` writes a self-contained, offline-verifiable
    bundle (WACZ with the cited captures, the records, inclusion proofs, the signed tree head and
    the public key); check it with ``presswatch verify FILE``.
    """
    from presswatch.publish import export as ex

    if what is not None:
        if what != "incident" or ident is None or bundle is None:
            fail("usage: presswatch export incident ID --bundle FILE")
        assert ident is not None and bundle is not None
        from presswatch.cases.incidents import incident_entry_indices
        from presswatch.publish.bundle import export_bundle
        from presswatch.publish.visibility import public_incident_entries

        core = open_core(ctx)
        with errors_as_usage(), progress(f"bundling incident {ident}"):
            indices = incident_entry_indices(core, ident) if private else public_incident_entries(core, ident)
            export_bundle(core, indices, bundle, public_only=not private)
        err.print(f"wrote bundle of incident {ident} ({len(indices)} log entries) to {bundle}")
        return
    if fmt in (ExportFormat.warc, ExportFormat.wacz) and out_file is None:
        fail(f"--format {fmt.value} needs --out FILE")
    core = open_core(ctx)
    with errors_as_usage():
        if fmt is ExportFormat.json:
            n = ex.export_json(core, out_file)
            if out_file:
                err.print(f"wrote {n} observations to {out_file}")
        elif fmt is ExportFormat.csv:
            n = ex.export_csv(core, out_file)
            if out_file:
                err.print(f"wrote {n} observations to {out_file}")
        elif fmt is ExportFormat.warc:
            assert out_file is not None
            with progress("joining WARC files"):
                n = ex.export_warc(core, out_file)
            err.print(f"joined {n} WARC files into {out_file}")
        else:
            assert out_file is not None
            with progress("building the WACZ"):
                ex.export_wacz(core, out_file)
            err.print(f"wrote {out_file}")


def repair_warc(
    files: Annotated[list[Path], typer.Argument(metavar="FILE", help="WARC files not being written to.")],
) -> None:
    """Trim a torn final record (left by a power loss) from WARC files; complete records are kept."""
    from presswatch.archive.warc import repair_tail
    from presswatch.errors import PresswatchError

    for f in files:
        try:
            trimmed = repair_tail(f)
        except (OSError, PresswatchError) as exc:
            fail(f"{f}: {exc}")
        out.print(f"{f}: " + (f"trimmed {trimmed} bytes of a torn record" if trimmed else "intact"),
                  highlight=False, markup=False)


def register(app: typer.Typer) -> None:
    app.command()(export)
    app.command("repair-warc")(repair_warc)
