"""``watch``, ``unwatch`` and ``list``: what presswatch watches."""

from __future__ import annotations

import asyncio
from datetime import datetime
from typing import TYPE_CHECKING, Annotated, Any

import typer

from presswatch.cli._support import Json, country_code, emit, errors_as_usage, fail, open_core, out, print_json

if TYPE_CHECKING:
    from presswatch.core import Presswatch

__all__ = ["ALLOW_HINT", "list_cmd", "parse_tags", "parse_when", "refuse_non_public", "register", "unwatch", "watch"]

ALLOW_HINT = (
    "to watch a private, loopback or link-local address (a test site on this machine), "
    "pass --allow-private or set PRESSWATCH_ALLOW_PRIVATE=1"
)


def refuse_non_public(core: Presswatch, urls: list[str]) -> None:
    """Refuse invalid URLs and non-public targets before anything is recorded (usage error, exit 2).

    A name that does not resolve now is not refused: that is an observation (``unreachable dns``).
    """
    with errors_as_usage():
        asyncio.run(core.vet(urls))


def parse_when(value: str | None, option: str) -> datetime | None:
    """``YYYY-MM-DD`` or ISO 8601 (UTC when no offset is given), or a usage error naming the option."""
    from presswatch.clock import parse_when as parse

    try:
        return parse(value)
    except ValueError:
        fail(f"{option} must be a date (YYYY-MM-DD) or an ISO 8601 time, not {value!r}")
        raise  # unreachable


def parse_tags(tags: list[str]) -> dict[str, str]:
    parsed: dict[str, str] = {}
    for t in tags:
        k, sep, v = t.partition("=")
        if not sep or not k.strip():
            fail(f"--tag must look like key=value, got {t!r}")
        parsed[k.strip()] = v.strip()
    return parsed


def watch(
    ctx: typer.Context,
    urls: Annotated[list[str] | None, typer.Argument(help="Article URLs.", metavar="URL")] = None,
    feed: Annotated[list[str] | None, typer.Option("--feed", metavar="URL", help="RSS/Atom feed.")] = None,
    sitemap: Annotated[
        list[str] | None, typer.Option("--sitemap", metavar="URL", help="Sitemap (or sitemap index).")
    ] = None,
    site: Annotated[
        list[str] | None, typer.Option("--site", metavar="URL", help="Site home page: discover feeds/sitemaps.")
    ] = None,
    interval: Annotated[
        int | None, typer.Option(metavar="SECONDS", help="Fixed re-check interval (default adaptive).")
    ] = None,
    tag: Annotated[list[str] | None, typer.Option("--tag", metavar="KEY=VALUE", help="Tag (repeatable).")] = None,
    country: Annotated[
        list[str] | None,
        typer.Option("--country", metavar="CC", help="ISO 3166-1 alpha-2 country to measure in (repeatable)."),
    ] = None,
    outlet: Annotated[str | None, typer.Option(metavar="NAME", help="Outlet name tag.")] = None,
) -> None:
    """Watch articles, feeds, sitemaps or whole sites."""
    tags: dict[str, Any] = dict(parse_tags(tag or []))
    if outlet:
        tags["outlet"] = outlet
    codes = [c for c in (country_code(c) for c in country or []) if c]
    if codes:
        tags["country"], tags["measure_in"] = codes[0], codes
    items = [(u, "article") for u in urls or []] + [(u, "feed") for u in feed or []]
    items += [(u, "sitemap") for u in sitemap or []] + [(u, "site") for u in site or []]
    if not items:
        fail("nothing to watch: give URLs, --feed, --sitemap or --site")
    core = open_core(ctx)
    if interval is not None and interval < 60 and not core.settings.allow_private:
        fail("--interval must be at least 60 seconds")
    refuse_non_public(core, [u for u, _ in items])
    for url, kind in items:
        with errors_as_usage():
            wid = core.watch(url, kind=kind, tags=tags, interval=interval)
        out.print(f"watching {kind} {url} (id {wid})", highlight=False, markup=False)


def unwatch(ctx: typer.Context, urls: Annotated[list[str], typer.Argument(metavar="URL")]) -> None:
    """Stop watching URLs (their history is kept)."""
    core = open_core(ctx)
    for url in urls:
        with errors_as_usage():
            core.unwatch(url)
        out.print(f"stopped watching {url}", highlight=False, markup=False)


def list_cmd(
    ctx: typer.Context,
    as_json: Json = False,
    all_: Annotated[bool, typer.Option("--all", help="Include unwatched.")] = False,
    status: Annotated[
        list[str] | None, typer.Option("--status", metavar="STATUS", help="Current status (repeatable).")
    ] = None,
    reason: Annotated[str | None, typer.Option(metavar="REASON", help="Current reason, e.g. soft-404.")] = None,
    country: Annotated[str | None, typer.Option(metavar="CC", help="Country tag or measured-in country.")] = None,
    tag: Annotated[list[str] | None, typer.Option("--tag", metavar="KEY=VALUE", help="Tag (repeatable).")] = None,
    outlet: Annotated[str | None, typer.Option(metavar="NAME", help="Outlet tag.")] = None,
    kind: Annotated[str | None, typer.Option(metavar="KIND", help="article|feed|sitemap|site")] = None,
    confirmed: Annotated[
        bool | None, typer.Option("--confirmed/--unconfirmed", help="Only confirmed (or unconfirmed) states.")
    ] = None,
    since: Annotated[str | None, typer.Option(metavar="DATE", help="Last checked at or after.")] = None,
    until: Annotated[str | None, typer.Option(metavar="DATE", help="Last checked before.")] = None,
    limit: Annotated[int | None, typer.Option(min=1, metavar="N", help="At most N rows.")] = None,
) -> None:
    """List watches and their current state."""
    from presswatch.clock import isoformat
    from presswatch.sources.watchlist import WatchFilter, list_watches

    flt = WatchFilter(
        statuses=tuple(status or ()),
        reason=reason,
        country=country_code(country),
        tags=parse_tags(tag or []) | ({"outlet": outlet} if outlet else {}),
        kind=kind,
        confirmed=confirmed,
        since=parse_when(since, "--since"),
        until=parse_when(until, "--until"),
        limit=limit,
    )
    rows = list_watches(open_core(ctx), include_inactive=all_, where=flt)
    if as_json:
        for w in rows:
            print_json({"id": w.id, "url": w.url, "kind": w.kind, "tags": w.tags, "active": w.active,
                        "status": w.status, "reason": w.reason, "confirmed": w.confirmed,
                        "last_checked_at": isoformat(w.last_checked_at) if w.last_checked_at else None,
                        "next_check_at": isoformat(w.next_check_at)})
        return
    emit(
        ("id", "kind", "url", "status", "reason", "confirmed", "last checked", "next check"),
        (
            (w.id, w.kind, w.url, w.status or "-", w.reason, "yes" if w.confirmed else "",
             isoformat(w.last_checked_at) if w.last_checked_at else "", isoformat(w.next_check_at))
            for w in rows
        ),
    )


def register(app: typer.Typer) -> None:
    app.command()(watch)
    app.command()(unwatch)
    app.command("list")(list_cmd)
