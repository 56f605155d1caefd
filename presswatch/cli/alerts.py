"""``alerts …``: subscriptions to confirmed events (webhooks, apprise), delivery and its log."""

from __future__ import annotations

from enum import StrEnum
from typing import Annotated, Any

import typer

from presswatch.cli._support import Json, country_code, emit, err, errors_as_usage, fail, open_core, print_json

__all__ = ["alerts_add", "alerts_app", "alerts_deliver", "alerts_list", "alerts_log", "alerts_remove",
           "alerts_rotate", "alerts_secret", "Digest", "register"]

alerts_app = typer.Typer(help="Alerts on confirmed events: webhooks (Standard Webhooks) and apprise.",
                         no_args_is_help=True)


class Digest(StrEnum):
    hourly = "hourly"
    daily = "daily"


def _tags(values: list[str]) -> dict[str, str]:
    parsed: dict[str, str] = {}
    for t in values:
        k, sep, v = t.partition("=")
        if not sep or not k.strip():
            fail(f"--tag must look like key=value, got {t!r}")
        parsed[k.strip()] = v.strip()
    return parsed


@alerts_app.command("add")
def alerts_add(
    ctx: typer.Context,
    webhook: Annotated[str | None, typer.Option(metavar="URL", help="POST signed JSON to this URL.")] = None,
    secret: Annotated[str | None, typer.Option(metavar="SECRET", help="Webhook secret: whsec_ + base64.")] = None,
    apprise: Annotated[str | None, typer.Option(metavar="URL", help="An apprise URL (mailto://, ntfy://, json:// …).")]
    = None,
    event: Annotated[list[str] | None, typer.Option("--event", metavar="KIND",
                                                    help="Event kind (repeatable; default: every change but new).")]
    = None,
    country: Annotated[list[str] | None, typer.Option("--country", metavar="CC", help="Country (repeatable).")]
    = None,
    tag: Annotated[list[str] | None, typer.Option("--tag", metavar="K=V", help="Watch tag (repeatable).")] = None,
    watch: Annotated[str | None, typer.Option(metavar="URL", help="One watched URL (or watch id).")] = None,
    site: Annotated[str | None, typer.Option(metavar="HOST", help="One outlet's host (and its subdomains).")]
    = None,
    incident: Annotated[int | None, typer.Option(metavar="ID", help="Events about an incident's articles/sites.")]
    = None,
    min_words: Annotated[int, typer.Option(min=0, metavar="N", help="Edits: only when ≥ N words changed.")] = 0,
    headline: Annotated[bool, typer.Option("--headline", help="Edits: (also) when the headline changed.")] = False,
    digest: Annotated[Digest | None, typer.Option(help="One summary per hour or day instead of each event.")]
    = None,
    debounce: Annotated[int, typer.Option(min=0, metavar="SECONDS", help="Collapse changes this close.")] = 0,
    title: Annotated[str | None, typer.Option(metavar="T", help="Title template ($title, $url, $status …).")]
    = None,
    body: Annotated[str | None, typer.Option(metavar="B", help="Body template ($summary, $url, $proof …).")]
    = None,
) -> None:
    """Subscribe to events; prints the subscription's id."""
    core = open_core(ctx)
    countries = [c for c in (country_code(c) for c in country or []) if c]
    filters: dict[str, Any] = {"countries": countries, "tags": _tags(tag or []), "watch": watch, "site": site,
                               "incident": incident, "min_words": min_words, "headline": headline}
    if event:
        filters["events"] = event
    with errors_as_usage():
        sid = core.subscribe(webhook=webhook, apprise=apprise, secret=secret, filters=filters,
                             digest=digest.value if digest else None, debounce=debounce, title=title, body=body)
    print(sid)


@alerts_app.command("list")
def alerts_list(ctx: typer.Context, as_json: Json = False) -> None:
    """Subscriptions."""
    from presswatch.alerts.manage import list_subscriptions

    rows = list_subscriptions(open_core(ctx))
    if as_json:
        for r in rows:
            print_json(r)
        return

    def filt(r: dict[str, Any]) -> str:
        f = r["filters"]
        parts = [",".join(f.get("events") or [])]
        for k in ("countries", "tags", "watch", "site", "incident", "min_words", "headline"):
            if f.get(k):
                parts.append(f"{k}={f[k]}")
        return " ".join(parts)

    emit(("id", "channel", "target", "filters", "mode", "state"),
         ((r["id"], r["channel"], r["target"], filt(r),
           r["digest"] or (f"debounce {r['debounce']}s" if r["debounce"] else "each"),
           "enabled" if r["enabled"] else f"off: {r['disabled_reason']}") for r in rows))


@alerts_app.command("remove")
def alerts_remove(ctx: typer.Context, sub_id: Annotated[int, typer.Argument(metavar="ID")]) -> None:
    """Stop a subscription (its delivery log is kept)."""
    from presswatch.alerts.manage import remove_subscription

    with errors_as_usage():
        remove_subscription(open_core(ctx), sub_id)
    err.print(f"subscription #{sub_id} removed")


@alerts_app.command("rotate")
def alerts_rotate(
    ctx: typer.Context,
    sub_id: Annotated[int, typer.Argument(metavar="ID")],
    secret: Annotated[str, typer.Option(metavar="SECRET", help="The new secret (whsec_ + base64).")],
    overlap: Annotated[float, typer.Option(min=0, metavar="HOURS", help="Also sign with the old one this long.")]
    = 24.0,
) -> None:
    """Rotate a webhook's secret: both signatures are sent during the overlap."""
    from datetime import timedelta

    from presswatch.alerts.manage import rotate_secret

    with errors_as_usage():
        rotate_secret(open_core(ctx), sub_id, secret, overlap=timedelta(hours=overlap))
    err.print(f"subscription #{sub_id}: new secret in use, the old one is accepted for {overlap:g} h")


@alerts_app.command("secret")
def alerts_secret() -> None:
    """Print a new random webhook secret (whsec_ + base64 of 32 bytes)."""
    from presswatch.alerts.webhooks import new_secret

    print(new_secret())


@alerts_app.command("deliver")
def alerts_deliver(
    ctx: typer.Context,
    once: Annotated[bool, typer.Option("--once", help="Deliver what is pending now, then exit.")] = False,
    as_json: Json = False,
) -> None:
    """Deliver pending alerts (``presswatch run`` does the same in the background)."""
    import asyncio

    from presswatch.cli._support import run_until_signal

    core = open_core(ctx)

    async def go() -> Any:
        while True:
            stats = await core.deliver_alerts()
            if once:
                return stats
            await asyncio.sleep(core.settings.alert_poll)

    with errors_as_usage():
        stats = run_until_signal(go(), "alerts deliver")
    if as_json:
        print_json(stats.as_dict())
    else:
        print(f"delivered {stats.delivered}, retrying {stats.retried}, failed {stats.failed}, "
              f"disabled {stats.disabled}, suppressed {stats.suppressed} (flapping); {stats.pending} pending")


@alerts_app.command("log")
def alerts_log(
    ctx: typer.Context,
    subscription: Annotated[int | None, typer.Option(metavar="ID", help="One subscription's messages.")] = None,
    limit: Annotated[int, typer.Option(min=1, metavar="N")] = 1000,
    as_json: Json = False,
) -> None:
    """Deliveries (newest first) and their attempts."""
    from presswatch.alerts.manage import delivery_log

    rows = delivery_log(open_core(ctx), subscription=subscription, limit=limit)
    if as_json:
        for r in rows:
            print_json(r)
        return
    emit(("id", "sub", "webhook-id", "type", "state", "attempts", "last"),
         ((r["id"], r["subscription"], r["webhook_id"], r["type"], r["state"], r["attempts"],
           "; ".join(f"{a['status_code'] or a['error']}" for a in r["log"][-3:])) for r in rows))


def register(app: typer.Typer) -> None:
    app.add_typer(alerts_app, name="alerts")
