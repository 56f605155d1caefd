"""``check``, ``run``, ``history``, ``timeline`` and ``diff``: checking articles and reading what was seen."""

from __future__ import annotations

import time
from datetime import UTC, datetime
from enum import StrEnum
from typing import TYPE_CHECKING, Annotated, Any

import typer

from presswatch.cli._support import (
    Json,
    country_code,
    emit,
    err,
    errors_as_usage,
    fail,
    open_core,
    out,
    print_json,
    progress,
    run_until_signal,
    shorten,
)
from presswatch.cli.watching import parse_tags, parse_when

if TYPE_CHECKING:
    from presswatch.publish.diffview import VersionDiff

__all__ = [
    "check",
    "check_line",
    "diff",
    "DiffFormat",
    "EventKind",
    "history",
    "pass_line",
    "register",
    "run",
    "timeline",
]


def check_line(r: dict[str, Any]) -> str:
    """One human line for one check result (no dangling separators when a part is missing)."""
    parts = [f"{r['url']}: {r['status']}"]
    if r.get("reason"):
        parts.append(str(r["reason"]))
    if r.get("confirmed"):
        parts.append("(confirmed)")
    line = " ".join(parts)
    notice = r.get("notice")
    if notice:
        line += f" — notice: “{notice}”"
    elif r.get("title"):
        line += f" — {r['title']}"
    if r.get("error") and r["status"] == "unreachable":
        line += f" [{r['error']}]"
    return line


def _counts_in_words(by_status: dict[str, int]) -> str:
    order = ("new", "unchanged", "edited", "removed", "withheld", "unreachable", "missing")
    keys = sorted(by_status, key=lambda k: (order.index(k) if k in order else len(order), k))
    return ", ".join(f"{by_status[k]} {k}" for k in keys if by_status[k])


def pass_line(at: datetime, n: int, checked: int, discovered: int, errors: int, by_status: dict[str, int],
              seconds: float) -> str:
    """One timestamped line per ``run`` pass, counts by status in words."""
    from presswatch.clock import isoformat

    what = _counts_in_words(by_status)
    line = f"{isoformat(at)}  pass {n}: checked {checked}" + (f" ({what})" if what else "")
    if discovered:
        line += f", discovered {discovered} new"
    if errors:
        line += f", {errors} refused or failed"
    rate = f", {checked / seconds:.1f}/s" if seconds > 0 and checked else ""
    return line + f" in {seconds:.1f} s{rate}"


def check(
    ctx: typer.Context,
    urls: Annotated[list[str], typer.Argument(metavar="URL")],
    as_json: Json = False,
) -> None:
    """Fetch, archive, analyze and record URLs now (watching them if not yet watched)."""
    core = open_core(ctx)
    with errors_as_usage():  # a refused URL stops everything before anything is recorded
        results = run_until_signal(core.check(urls), "check")
    for r in results:
        if as_json:
            print_json(r)
        else:
            out.print(check_line(r), highlight=False, markup=False)


def run(
    ctx: typer.Context,
    once: Annotated[bool, typer.Option("--once", help="One pass over what is due, then exit.")] = False,
    concurrency: Annotated[int | None, typer.Option(min=1, metavar="N", help="Concurrent checks.")] = None,
    workers: Annotated[
        int | None, typer.Option(min=0, metavar="N", help="Analysis processes (0 = in-process).")
    ] = None,
    tick: Annotated[float, typer.Option(min=0.0, metavar="SECONDS", help="Seconds between passes.")] = 30.0,
    procs: Annotated[int, typer.Option(min=1, metavar="N", help="Processes to shard each pass over.")] = 1,
) -> None:
    """Check everything that is due: once, or in a loop (one line per pass on stdout)."""
    import asyncio

    core = open_core(ctx)
    if core.settings.mode == "scale-out":  # the checks run on `presswatch worker`s; this is the scheduler
        from presswatch.cli.workers import run_scheduler

        run_scheduler(core, once, tick)
        return
    passes = 0

    def report(stats: Any, t0: float) -> None:
        nonlocal passes
        passes += 1
        out.print(pass_line(core.clock.now(), passes, stats.checked, stats.discovered, stats.errors,
                            stats.by_status, time.monotonic() - t0), highlight=False, markup=False)

    if procs > 1:
        with core.shards(procs) as shards:
            try:
                while True:
                    t0 = time.monotonic()
                    with errors_as_usage():
                        stats = shards.run_pass(concurrency)
                    report(stats, t0)
                    if once:
                        return
                    time.sleep(tick)
            except KeyboardInterrupt:
                err.print("run: stopped on SIGINT; everything recorded is kept")
                raise typer.Exit(130) from None

    async def go() -> None:
        async with core.session(workers=workers) as ops:
            while True:
                t0 = time.monotonic()
                with progress("checking") as prog:
                    task = prog.task_ids[0]

                    def show(
                        done: int, total: int, by_status: dict[str, int], prog: Any = prog, task: Any = task
                    ) -> None:
                        prog.update(task, completed=done, total=total, info=_counts_in_words(by_status))

                    stats = await ops.run_pass(concurrency, progress=show)
                report(stats, t0)
                if once:
                    return
                await asyncio.sleep(tick)

    with errors_as_usage():
        run_until_signal(go(), "run")


def history(
    ctx: typer.Context,
    url: Annotated[str, typer.Argument(metavar="URL")],
    as_json: Json = False,
) -> None:
    """Recorded observations of a URL, oldest first."""
    from presswatch.publish.export import history_rows

    core = open_core(ctx)
    with errors_as_usage():
        rows = history_rows(core, url)
    if as_json:
        for r in rows:
            print_json(r)
        return
    emit(
        ("checked at", "status", "reason", "http", "confirmed", "title / notice"),
        (
            (r["checked_at"], r["status"], r["reason"], r["http_status"], "yes" if r["confirmed"] else "",
             f"notice: “{r['notice']}”" if r.get("notice") else r["title"])
            for r in rows
        ),
    )


def _edit_excerpt(details: dict[str, Any], width: int) -> list[str]:
    """Two short lines of what an edit changed (from the stored diff hunks)."""
    hunks = ((details or {}).get("diff") or {}).get("hunks") or []
    lines: list[str] = []
    d = (details or {}).get("diff") or {}
    if d.get("title_changed"):
        lines.append(f"    headline: “{shorten(d.get('old_title'), width // 2 - 8)}” → "
                     f"“{shorten(d.get('new_title'), width // 2 - 8)}”")
    for h in hunks[:1]:
        old = " ".join(h.get("old") or []) if isinstance(h.get("old"), list) else h.get("old") or ""
        new = " ".join(h.get("new") or []) if isinstance(h.get("new"), list) else h.get("new") or ""
        if old:
            lines.append("    − " + shorten(old, width - 6))
        if new:
            lines.append("    + " + shorten(new, width - 6))
    return lines


class EventKind(StrEnum):
    new = "new"
    edited = "edited"
    removed = "removed"
    withheld = "withheld"
    unreachable = "unreachable"
    restored = "restored"
    blocked = "blocked"
    unblocked = "unblocked"


def timeline(
    ctx: typer.Context,
    url: Annotated[str | None, typer.Argument(metavar="[URL]", help="Article URL (default: everything).")] = None,
    as_json: Json = False,
    all_: Annotated[bool, typer.Option("--all", help="Also show first captures (hidden by default).")] = False,
    kind: Annotated[list[EventKind] | None, typer.Option("--kind", help="Event kind (repeatable).")] = None,
    reason: Annotated[str | None, typer.Option(metavar="REASON", help="e.g. soft-404, removal-notice.")] = None,
    country: Annotated[str | None, typer.Option(metavar="CC", help="Blocks in / articles of this country.")] = None,
    tag: Annotated[list[str] | None, typer.Option("--tag", metavar="KEY=VALUE", help="Watch tag.")] = None,
    outlet: Annotated[str | None, typer.Option(metavar="NAME", help="Outlet tag.")] = None,
    since: Annotated[str | None, typer.Option(metavar="DATE", help="At or after (YYYY-MM-DD or ISO 8601).")] = None,
    until: Annotated[str | None, typer.Option(metavar="DATE", help="Before.")] = None,
    limit: Annotated[int | None, typer.Option(min=1, metavar="N", help="Only the latest N events.")] = None,
) -> None:
    """State changes (edits, removals, restorations, blocks), oldest first; what changed under each edit."""
    from presswatch.publish.export import EventFilter, event_rows

    tags = parse_tags(tag or [])
    if outlet:
        tags["outlet"] = outlet
    kinds = tuple(k.value for k in kind or ())
    flt = EventFilter(
        kinds=kinds,
        hide_kinds=() if all_ or "new" in kinds else ("new",),
        reason=reason,
        country=country_code(country),
        tags=tags,
        since=parse_when(since, "--since"),
        until=parse_when(until, "--until"),
        limit=limit,
    )
    core = open_core(ctx)
    with errors_as_usage():
        rows = event_rows(core, url, where=flt)
    width = max(60, out.width if out.is_terminal else 100)
    for r in rows:
        if as_json:
            print_json(r)
            continue
        where = f" [{r['country']}]" if r.get("country") else ""
        out.print(f"{r['at']}  {r['kind']:<11}{where} {r['url'] or ''}  {r['summary']}", highlight=False,
                  markup=False)
        if r["kind"] == "edited":
            for line in _edit_excerpt(r.get("details") or {}, width):
                out.print(line, highlight=False, markup=False)
    if not as_json and not rows:
        err.print("no events match" + ("" if all_ else " (first captures are hidden; --all shows them)"))


class DiffFormat(StrEnum):
    text = "text"
    unified = "unified"
    json = "json"
    html = "html"


def _pick(versions: list[dict[str, Any]], spec: str | None, option: str, default: int) -> dict[str, Any]:
    """A version by number (1 = first seen; negative counts from the latest) or the one current at DATE."""
    if spec is None:
        return versions[default]
    s = spec.strip()
    if s.lstrip("-").isdigit():
        n = int(s)
        if n == 0 or abs(n) > len(versions):
            fail(f"{option} {n}: there are {len(versions)} versions (1…{len(versions)}, or -1 for the latest)")
        return versions[n - 1 if n > 0 else n]
    when = parse_when(s, option)
    assert when is not None
    from presswatch.clock import isoformat

    stamp = isoformat(when.astimezone(UTC))
    current = [v for v in versions if v["first_seen_at"] <= stamp]
    if not current:
        fail(f"{option} {spec}: no version had been seen yet (first seen {versions[0]['first_seen_at']})")
    return current[-1]


def _n(count: int, noun: str) -> str:
    return f"{count} {noun}" + ("" if count == 1 else "s")


def _render_terminal(d: VersionDiff, url: str) -> None:
    from rich.text import Text

    def side(label: str, v: Any) -> str:
        cap = v.capture
        where = f" — capture {cap['warc_file']}#{cap['offset']}" if cap else ""
        return f"{label} version {v.number}, first seen {v.first_seen_at}{where}"

    out.print(f"{url}", highlight=False, markup=False)
    out.print(side("−", d.old), style="red", highlight=False, markup=False)
    out.print(side("+", d.new), style="green", highlight=False, markup=False)
    c = d.counts()
    out.print(f"{_n(c['paragraphs_removed'], 'paragraph')} removed, {c['paragraphs_added']} added; "
              f"{_n(c['words_removed'], 'word')} removed, {c['words_added']} added", highlight=False, markup=False)
    if d.title_changed:
        t = Text("headline: ")
        t.append(d.old.title or "", style="red strike")
        t.append(" → ")
        t.append(d.new.title or "", style="green")
        out.print(t)
    for key, (a, b) in d.meta_changes.items():
        out.print(f"{key}: {a} → {b}", highlight=False, markup=False)
    for ch in d.changes:
        out.print("")
        if ch.context_before:
            out.print(Text("  … " + shorten(ch.context_before, 100), style="dim"))
        if ch.words is not None:
            t = Text("~ ")
            for op, piece in ch.words:
                style = {"insert": "bold green underline", "delete": "bold red strike"}.get(op, "")
                t.append(("[-" + piece + "-]") if op == "delete" and not out.is_terminal else
                         ("{+" + piece + "+}") if op == "insert" and not out.is_terminal else piece, style=style)
                t.append(" ")
            out.print(t)
        else:
            for p in ch.old:
                out.print(Text("- " + p, style="red"))
            for p in ch.new:
                out.print(Text("+ " + p, style="green"))
    if not d.changes and not d.title_changed and not d.meta_changes:
        out.print("no differences in the text")


def diff(
    ctx: typer.Context,
    url: Annotated[str, typer.Argument(metavar="URL")],
    from_: Annotated[
        str | None, typer.Option("--from", metavar="N|DATE", help="Older version (default: the one before --to).")
    ] = None,
    to: Annotated[str | None, typer.Option("--to", metavar="N|DATE", help="Newer version (default: latest).")] = None,
    fmt: Annotated[DiffFormat, typer.Option("--format", help="text (word highlights), unified, json, html.")] = (
        DiffFormat.text
    ),
) -> None:
    """What changed between two versions of an article: paragraphs, words, headline, metadata."""
    from presswatch.publish.diffview import Side, version_diff
    from presswatch.publish.export import version_rows

    core = open_core(ctx)
    with errors_as_usage():
        versions = version_rows(core, url)
    if not versions:
        fail(f"{url} has no archived article text yet (check it first)")
    if len(versions) == 1 and from_ is None and to is None:
        err.print(f"{url} has one version so far (first seen {versions[0]['first_seen_at']}): nothing to compare")
        raise typer.Exit(0)
    new = _pick(versions, to, "--to", -1)
    old = _pick(versions, from_, "--from", max(0, new["number"] - 2))
    if old["number"] > new["number"]:
        old, new = new, old

    def side(v: dict[str, Any]) -> Side:
        return Side(number=v["number"], first_seen_at=v["first_seen_at"], title=v["title"], capture=v["capture"])

    d = version_diff(old["text"], new["text"], side(old), side(new), old_meta=old["meta"], new_meta=new["meta"])
    if fmt is DiffFormat.json:
        print_json({"url": url, **d.as_dict()})
    elif fmt is DiffFormat.unified:
        out.file.write(d.unified())
    elif fmt is DiffFormat.html:
        out.file.write(d.html() + "\n")
    else:
        _render_terminal(d, url)


def register(app: typer.Typer) -> None:
    app.command()(check)
    app.command()(run)
    app.command()(history)
    app.command()(timeline)
    app.command()(diff)
