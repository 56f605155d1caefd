"""The ``presswatch`` command line: a thin shell over the core (see ``presswatch --help``)."""

from __future__ import annotations

import asyncio
import importlib
import logging
from pathlib import Path
from typing import Annotated, Any

import typer
from rich.progress import BarColumn, MofNCompleteColumn, Progress, TaskID, TextColumn, TimeElapsedColumn
from rich.table import Table

from . import __version__
from .cli_support import console, fail, open_core, print_json, state_of
from .clock import isoformat
from .errors import PresswatchError
from .log import configure

log = logging.getLogger(__name__)

app = typer.Typer(
    name="presswatch",
    help="A censorship observatory for online news: watch, archive, detect edits and takedowns, "
    "measure blocking, record demands.",
    no_args_is_help=True,
    pretty_exceptions_enable=False,
    add_completion=False,
)


@app.callback()
def main_options(
    ctx: typer.Context,
    data_dir: Annotated[
        Path | None, typer.Option("--data-dir", envvar="PRESSWATCH_DATA", help="Data folder.")
    ] = None,
    db: Annotated[str | None, typer.Option("--db", envvar="PRESSWATCH_DB", help="SQLAlchemy URL.")] = None,
    allow_private: Annotated[
        bool, typer.Option("--allow-private", help="Allow private/loopback targets (tests, demo).")
    ] = False,
    config: Annotated[Path | None, typer.Option("--config", help="TOML config file.")] = None,
    log_level: Annotated[str, typer.Option("--log-level", help="debug|info|warning|error")] = "warning",
    log_format: Annotated[str, typer.Option("--log-format", help="text|json")] = "text",
) -> None:
    configure(log_level, log_format)
    st = state_of(ctx)
    st.data_dir, st.db, st.allow_private, st.config = data_dir, db, allow_private or None, config


@app.command()
def version() -> None:
    """Print the version."""
    print(__version__)


def _parse_tags(tags: list[str], country: list[str], outlet: str | None) -> dict[str, Any]:
    out: dict[str, Any] = {}
    for t in tags:
        if "=" not in t:
            fail(f"--tag must look like key=value, got {t!r}")
        k, v = t.split("=", 1)
        out[k.strip()] = v.strip()
    if outlet:
        out["outlet"] = outlet
    if country:
        codes = [c.upper() for c in country]
        out["country"] = codes[0]
        out["measure_in"] = codes
    return out


@app.command()
def watch(
    ctx: typer.Context,
    urls: Annotated[list[str] | None, typer.Argument(help="Article URLs.")] = None,
    feed: Annotated[list[str] | None, typer.Option("--feed", help="RSS/Atom feed URL.")] = None,
    sitemap: Annotated[list[str] | None, typer.Option("--sitemap", help="Sitemap (or index) URL.")] = None,
    site: Annotated[list[str] | None, typer.Option("--site", help="Site home page: discover feeds/sitemaps.")] = None,
    interval: Annotated[int | None, typer.Option(help="Fixed re-check interval, seconds (default adaptive).")] = None,
    tag: Annotated[list[str] | None, typer.Option("--tag", help="key=value tag (repeatable).")] = None,
    country: Annotated[list[str] | None, typer.Option("--country", help="Country code(s) to measure in.")] = None,
    outlet: Annotated[str | None, typer.Option(help="Outlet name tag.")] = None,
) -> None:
    """Watch articles, feeds, sitemaps or whole sites."""
    from .sources.watchlist import add_watch

    core = open_core(ctx)
    tags = _parse_tags(tag or [], country or [], outlet)
    items = [(u, "article") for u in urls or []] + [(u, "feed") for u in feed or []]
    items += [(u, "sitemap") for u in sitemap or []] + [(u, "site") for u in site or []]
    if not items:
        fail("nothing to watch: give URLs, --feed, --sitemap or --site")
    if interval is not None and interval < 60 and not core.settings.allow_private:
        fail("--interval must be at least 60 seconds")
    for url, kind in items:
        try:
            wid = add_watch(core, url, kind=kind, tags=tags, interval=interval)
        except PresswatchError as exc:
            fail(str(exc))
        console.print(f"watching [bold]{kind}[/] {url} (id {wid})")


@app.command()
def unwatch(ctx: typer.Context, urls: list[str]) -> None:
    """Stop watching URLs (their history is kept)."""
    from .sources.watchlist import remove_watch

    core = open_core(ctx)
    for url in urls:
        try:
            remove_watch(core, url)
        except PresswatchError as exc:
            fail(str(exc))
        console.print(f"stopped watching {url}")


@app.command("list")
def list_cmd(
    ctx: typer.Context,
    as_json: Annotated[bool, typer.Option("--json")] = False,
    all_: Annotated[bool, typer.Option("--all", help="Include unwatched.")] = False,
) -> None:
    """List watches and their current state."""
    from .sources.watchlist import list_watches

    rows = list_watches(open_core(ctx), include_inactive=all_)
    if as_json:
        for w in rows:
            print_json({"id": w.id, "url": w.url, "kind": w.kind, "tags": w.tags, "active": w.active,
                        "status": w.status, "reason": w.reason, "confirmed": w.confirmed,
                        "last_checked_at": isoformat(w.last_checked_at) if w.last_checked_at else None,
                        "next_check_at": isoformat(w.next_check_at)})
        return
    t = Table("id", "kind", "url", "status", "reason", "next check")
    for w in rows:
        st = (w.status or "-") + (" ✔" if w.confirmed else "")
        t.add_row(str(w.id), w.kind, w.url, st, w.reason or "", isoformat(w.next_check_at))
    console.print(t)


def _progress() -> Progress:
    return Progress(TextColumn("[bold]{task.description}"), BarColumn(), MofNCompleteColumn(),
                    TimeElapsedColumn(), console=console, transient=True)


@app.command()
def check(
    ctx: typer.Context,
    urls: list[str],
    as_json: Annotated[bool, typer.Option("--json", help="One JSON object per line.")] = False,
) -> None:
    """Fetch, archive, analyze and record URLs now (watching them if not yet watched)."""
    from .errors import FetchError
    from .fetch.client import Fetcher
    from .fetch.guard import TargetGuard
    from .pipeline import Checker
    from .sources.watchlist import add_watch

    core = open_core(ctx)
    guard = TargetGuard(allow_private=core.settings.allow_private)
    for u in urls:  # refuse invalid and non-public targets before anything is recorded
        try:
            asyncio.run(guard.check(u))
        except FetchError:
            pass  # e.g. DNS failure: that is an observation (unreachable/dns), not a refusal
        except PresswatchError as exc:
            fail(str(exc))
    ids = []
    for u in urls:
        try:
            ids.append(add_watch(core, u))
        except PresswatchError as exc:
            fail(str(exc))

    async def go() -> list[dict[str, Any]]:
        async with Fetcher(core.settings, core.clock) as f:
            checker = Checker(core, f)
            return list(await asyncio.gather(*(checker.check(i) for i in ids)))

    try:
        results = asyncio.run(go())
    except PresswatchError as exc:
        fail(str(exc))
    for r in results:
        if as_json:
            print_json(r)
        else:
            flag = " (confirmed)" if r["confirmed"] else ""
            console.print(f"{r['url']}: [bold]{r['status']}[/] {r['reason'] or ''}{flag} — {r['title'] or ''}")


@app.command()
def run(
    ctx: typer.Context,
    once: Annotated[bool, typer.Option("--once", help="One pass over what is due, then exit.")] = False,
    concurrency: Annotated[int | None, typer.Option(help="Concurrent checks.")] = None,
    workers: Annotated[int | None, typer.Option(help="Analysis processes (0 = in-process).")] = None,
    tick: Annotated[float, typer.Option(help="Seconds between passes.")] = 30.0,
    procs: Annotated[int, typer.Option(help="Processes to shard each pass over (one per core).")] = 1,
) -> None:
    """Check everything that is due: once, or in a loop."""
    from .fetch.client import Fetcher
    from .runner import Runner, make_pool, run_sharded, shard_pool

    core = open_core(ctx)
    if procs > 1:
        shards = shard_pool(procs)
        try:
            while True:
                try:
                    stats = run_sharded(core, procs, concurrency, shards)
                except PresswatchError as exc:
                    fail(str(exc))
                console.print(f"checked {stats.checked}, discovered {stats.discovered}: {stats.by_status}")
                if once:
                    return
                import time

                time.sleep(tick)
        finally:
            shards.terminate()

    async def go() -> None:
        pool = make_pool(workers)
        try:
            async with Fetcher(core.settings, core.clock) as f:
                runner = Runner(core, f, pool)
                while True:
                    with _progress() as prog:
                        task = prog.add_task("checking", total=None)

                        def show(done: int, total: int, prog: Progress = prog, task: TaskID = task) -> None:
                            prog.update(task, completed=done, total=total)

                        stats = await runner.run_once(concurrency, progress=show)
                    console.print(f"checked {stats.checked}, discovered {stats.discovered}: {stats.by_status}")
                    if once:
                        return
                    await asyncio.sleep(tick)
        finally:
            if pool is not None:
                pool.shutdown(cancel_futures=True)

    try:
        asyncio.run(go())
    except PresswatchError as exc:
        fail(str(exc))
    except KeyboardInterrupt:
        raise typer.Exit(130) from None


@app.command()
def history(
    ctx: typer.Context,
    url: str,
    as_json: Annotated[bool, typer.Option("--json")] = False,
) -> None:
    """Recorded observations of a URL, oldest first."""
    from .publish.export import history_rows

    core = open_core(ctx)
    try:
        rows = history_rows(core, url)
    except PresswatchError as exc:
        fail(str(exc))
    if as_json:
        for r in rows:
            print_json(r)
        return
    t = Table("checked at", "status", "reason", "http", "confirmed", "title")
    for r in rows:
        t.add_row(r["checked_at"], r["status"], r["reason"] or "", str(r["http_status"] or ""),
                  "yes" if r["confirmed"] else "", (r["title"] or "")[:60])
    console.print(t)


@app.command()
def timeline(
    ctx: typer.Context,
    url: Annotated[str | None, typer.Argument(help="Article URL (default: everything).")] = None,
    as_json: Annotated[bool, typer.Option("--json")] = False,
) -> None:
    """State-change events (first capture, edits, removals, restorations, blocks), oldest first."""
    from .publish.export import event_rows

    core = open_core(ctx)
    try:
        rows = event_rows(core, url)
    except PresswatchError as exc:
        fail(str(exc))
    for r in rows:
        if as_json:
            print_json(r)
        else:
            where = f" [{r['country']}]" if r.get("country") else ""
            console.print(f"{r['at']}  [bold]{r['kind']:<11}[/]{where} {r['url'] or ''}  {r['summary']}")


@app.command()
def export(
    ctx: typer.Context,
    what: Annotated[str | None, typer.Argument(help="`incident` to export one incident's evidence bundle.")] = None,
    ident: Annotated[int | None, typer.Argument(help="Incident id.")] = None,
    fmt: Annotated[str, typer.Option("--format", help="json|csv|warc|wacz")] = "json",
    out: Annotated[Path | None, typer.Option("--out", "-o", help="Output file (default stdout for json/csv).")] = None,
    bundle: Annotated[Path | None, typer.Option("--bundle", help="Bundle file (with `export incident ID`).")] = None,
    private: Annotated[bool, typer.Option("--include-private", help="Include private demands in a bundle.")] = False,
) -> None:
    """Export observations (JSON lines or CSV), the archive (one WARC / a WACZ), or an incident bundle.

    ``presswatch export incident ID --bundle FILE`` writes a self-contained, offline-verifiable
    bundle (WACZ with the cited captures, the records, inclusion proofs, the signed tree head and
    the public key); check it with ``presswatch verify FILE``.
    """
    from .publish import export as ex

    core = open_core(ctx)
    if what is not None:
        if what != "incident" or ident is None or bundle is None:
            fail("usage: presswatch export incident ID --bundle FILE")
        from .publish.bundle import export_bundle
        from .record.incidents import incident_entry_indices

        assert ident is not None and bundle is not None
        try:
            indices = incident_entry_indices(core, ident, public=not private)
            export_bundle(core, indices, bundle, public_only=not private)
        except PresswatchError as exc:
            fail(str(exc))
        console.print(f"wrote bundle of incident {ident} ({len(indices)} log entries) to {bundle}")
        return
    if fmt not in ("json", "csv", "warc", "wacz"):
        fail("--format must be json, csv, warc or wacz")
    if fmt in ("warc", "wacz") and out is None:
        fail(f"--format {fmt} needs --out FILE")
    try:
        if fmt == "json":
            ex.export_json(core, out)
        elif fmt == "csv":
            ex.export_csv(core, out)
        elif fmt == "warc":
            assert out is not None
            n = ex.export_warc(core, out)
            console.print(f"joined {n} WARC files into {out}")
        else:
            assert out is not None
            ex.export_wacz(core, out)
            console.print(f"wrote {out}")
    except PresswatchError as exc:
        fail(str(exc))


@app.command("repair-warc")
def repair_warc(files: Annotated[list[Path], typer.Argument(help="WARC files not being written to.")]) -> None:
    """Trim a torn final record (left by a power loss) from WARC files; complete records are kept."""
    from .archive.warc import repair_tail

    for f in files:
        try:
            trimmed = repair_tail(f)
        except (OSError, PresswatchError) as exc:
            fail(f"{f}: {exc}")
        console.print(f"{f}: " + (f"trimmed {trimmed} bytes of a torn record" if trimmed else "intact"))


@app.command()
def demo(
    ctx: typer.Context,
    articles: Annotated[int, typer.Option(help="Articles on the simulated site.")] = 12,
    keep: Annotated[bool, typer.Option(help="Keep serving the simulated site afterwards.")] = False,
) -> None:
    """Start the simulated news site, watch it, play a takedown story in accelerated time."""
    from .demo import run_demo

    st = state_of(ctx)
    try:
        run_demo(st.settings(), articles=articles, keep=keep)
    except PresswatchError as exc:
        fail(str(exc))


def _register_extensions() -> None:
    for mod in ("presswatch.measure.cli", "presswatch.publish.verify", "presswatch.record.demand_cli",
                "presswatch.publish.web"):
        try:
            m = importlib.import_module(mod)
        except ModuleNotFoundError as exc:
            if exc.name and mod.startswith(exc.name):
                continue
            raise
        reg = getattr(m, "register", None)
        if reg is not None:
            reg(app)


_register_extensions()


def main() -> None:
    try:
        app()
    except PresswatchError as exc:
        console.print(f"[bold red]error:[/] {exc}")
        raise SystemExit(2) from None


if __name__ == "__main__":
    main()
