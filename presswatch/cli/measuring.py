"""``measure``, ``status``, ``probe …`` and ``lists …``: commands over the measurement stage and the probes."""

from __future__ import annotations

import asyncio
import logging
from typing import Annotated, Any

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
)

__all__ = [
    "UNKNOWN_COUNTRY",
    "Country",
    "lists_app",
    "lists_import",
    "lists_show",
    "measure_cmd",
    "probe_app",
    "probe_enroll",
    "probe_list",
    "probe_revoke",
    "probe_run",
    "register",
    "status_cmd",
    "token_app",
    "token_create",
]

log = logging.getLogger(__name__)

UNKNOWN_COUNTRY = "ZZ"  # ISO 3166's user-assigned "unknown or unspecified country"

probe_app = typer.Typer(help="Run a probe at a vantage point, or administer the probes of this server.")
token_app = typer.Typer(help="Enrollment tokens for new probes.")
lists_app = typer.Typer(help="Per-country URL test lists (Citizen Lab CSV format).")
probe_app.add_typer(token_app, name="token")

Country = Annotated[str | None, typer.Option("--country", help="ISO 3166-1 alpha-2 country code, e.g. KZ.")]


def register(app: typer.Typer) -> None:
    """Add ``measure``, ``status`` and the ``probe`` and ``lists`` groups to the main app."""
    app.command("measure")(measure_cmd)
    app.command("status")(status_cmd)
    app.add_typer(probe_app, name="probe")
    app.add_typer(lists_app, name="lists")


def _country(value: str | None, required: bool = False) -> str | None:
    if value is None:
        if required:
            fail("--country is required")
        return None
    return country_code(value)


def measure_cmd(
    ctx: typer.Context,
    url: Annotated[str, typer.Argument(help="The URL to measure.")],
    resolver: Annotated[str | None, typer.Option(help="DNS resolver HOST:PORT for the measurement.")] = None,
    control_resolver: Annotated[
        str | None, typer.Option(help="DNS resolver HOST:PORT for the control.")
    ] = None,
    country: Country = None,
    network: Annotated[str, typer.Option(help="Network name of this vantage, e.g. 'AS1234 Example'.")] = "",
    json_out: Json = False,
) -> None:
    """Measure URL from here (blocking analysis against a local control), archive and store it."""
    core = open_core(ctx)
    cc = _country(country) or core.settings.country or UNKNOWN_COUNTRY
    with errors_as_usage(), progress(f"measuring {url}") as _:
        result = asyncio.run(
            core.measure(url, country=cc, network=network, resolver=resolver, control_resolver=control_resolver)
        )
    if json_out:
        print_json(result)
        return
    m = result["measurement"]
    verdict = (
        f"blocked ({m['blocking']})"
        if m["blocking"]
        else "down"
        if m["down"]
        else ("accessible" if m["accessible"] else "inconclusive")
    )
    where = "an unknown country (give --country or set PRESSWATCH_COUNTRY)" if cc == UNKNOWN_COUNTRY else cc
    out.print(f"{m['url']} from {where}: {verdict}  [measurement {m['id']}]", highlight=False)
    for summary in m["events"]:
        out.print(f"  event: {summary}")


def status_cmd(
    ctx: typer.Context,
    country: Country = None,
    scope: Annotated[str | None, typer.Option(help="Only 'host' or 'url' rows.")] = None,
    json_out: Json = False,
) -> None:
    """Reachability of sites and watched URLs per country and network."""
    from presswatch.probes.reachability import status_rows

    core = open_core(ctx)
    if scope not in (None, "host", "url"):
        fail("--scope must be 'host' or 'url'")
    with core.db.session() as s:
        rows = status_rows(s, country=_country(country), scope=scope)
    if json_out:
        for r in rows:
            print_json(r)
        return
    if not rows:
        err.print("no measurements yet")
        return

    def state(r: dict[str, Any]) -> str:
        text = str(r["state"]) + (f" ({r['method']})" if r["method"] else "")
        return text + (f" → {r['pending']['state']}?" if r["pending"] else "")

    emit(
        ("country", "network", "target", "state", "since", "confirmed", "last measured"),
        (
            (r["country"], r["network"], r["target"], state(r), r["since"] or "",
             "yes" if r["confirmed"] else "no", r["last_measured_at"] or "")
            for r in rows
        ),
    )


# -- probe side ---------------------------------------------------------------------------------------
@probe_app.command("enroll")
def probe_enroll(
    ctx: typer.Context,
    server: Annotated[str, typer.Option(help="Probe server base URL.")],
    token: Annotated[str, typer.Option(help="Enrollment token from the server's admin.")],
    country: Annotated[str, typer.Option(help="ISO 3166-1 alpha-2 code of this vantage's country.")],
    network: Annotated[str, typer.Option(help="Network name, e.g. 'AS9198 KazakhTelecom'.")] = "",
    force: Annotated[bool, typer.Option(help="Replace an existing enrollment.")] = False,
) -> None:
    """Create this probe's key and register it with a server."""
    from presswatch.probes.client import enroll

    core = open_core(ctx)
    with errors_as_usage():
        config = enroll(
            core.data_dir,
            server,
            token,
            _country(country, True) or "",
            network,
            clock=core.clock,
            force=force,
        )
    print_json({"probe_id": config.probe_id, "country": config.country, "network": config.network})


@probe_app.command("run")
def probe_run(
    ctx: typer.Context,
    once: Annotated[bool, typer.Option("--once", help="One round, then exit.")] = False,
    interval: Annotated[float, typer.Option(help="Seconds between rounds.")] = 3600.0,
    concurrency: Annotated[int, typer.Option(help="Measurements at a time.")] = 4,
    resolver: Annotated[str | None, typer.Option(help="DNS resolver HOST:PORT to measure with.")] = None,
) -> None:
    """Pull assignments, measure them, submit signed measurements (spooled while offline)."""
    from presswatch.probes.client import run_forever, run_once

    core = open_core(ctx)
    kwargs: dict[str, Any] = {
        "concurrency": concurrency,
        "clock": core.clock,
        "allow_private": core.settings.allow_private,
        "resolver": resolver,
    }
    with errors_as_usage():
        if once:
            report = asyncio.run(run_once(core.data_dir, **kwargs))
            print_json(report.as_dict())
        else:
            run_until_signal(run_forever(core.data_dir, interval=interval, **kwargs), "probe run")


# -- server side --------------------------------------------------------------------------------------
@token_app.command("create")
def token_create(
    ctx: typer.Context,
    country: Country = None,
    hours: Annotated[
        float | None, typer.Option(help="Valid for this many hours (default: no expiry).")
    ] = None,
) -> None:
    """Create a single-use enrollment token (printed once)."""
    from presswatch.probes.server import create_token

    core = open_core(ctx)
    token = create_token(core, country=_country(country), valid_hours=hours)
    print(token)


@probe_app.command("list")
def probe_list(ctx: typer.Context, json_out: Json = False) -> None:
    """Enrolled probes."""
    from presswatch.probes.server import list_probes

    probes = list_probes(open_core(ctx))
    if json_out:
        for p in probes:
            print_json(p)
        return
    emit(
        ("id", "country", "network", "enrolled", "last seen", "revoked"),
        ((p["id"], p["country"], p["network"], p["enrolled_at"], p["last_seen_at"], p["revoked_at"]) for p in probes),
    )


@probe_app.command("revoke")
def probe_revoke(ctx: typer.Context, probe_id: Annotated[str, typer.Argument(help="Probe id.")]) -> None:
    """Revoke a probe: its requests and submissions are refused from now on."""
    from presswatch.probes.server import revoke_probe

    with errors_as_usage():
        revoke_probe(open_core(ctx), probe_id)
    out.print(f"revoked {probe_id}")


# -- lists --------------------------------------------------------------------------------------------
@lists_app.command("import")
def lists_import(
    ctx: typer.Context,
    source: Annotated[str, typer.Argument(help="CSV file or http(s) URL.", metavar="FILE_OR_URL")],
    country: Annotated[str, typer.Option(help="Country the list is for.")],
    json_out: Json = False,
) -> None:
    """Import a Citizen Lab test-list CSV as a country's URL list."""
    from presswatch.probes.lists import import_test_list

    cc = _country(country, True) or ""
    with errors_as_usage(), progress(f"importing the {cc} test list"):
        report = import_test_list(open_core(ctx), source, cc)
    if json_out:
        print_json(report.as_dict())
    else:
        out.print(
            f"{report.country}: {report.added} added, {report.updated} updated, {report.total} URLs listed"
        )


@lists_app.command("show")
def lists_show(
    ctx: typer.Context, country: Annotated[str, typer.Option(help="Country.")], json_out: Json = False
) -> None:
    """The imported URL list of a country."""
    from presswatch.probes.lists import list_entries

    core = open_core(ctx)
    with core.db.session() as s:
        entries = list_entries(s, _country(country, True) or "")
    if json_out:
        for e in entries:
            print_json(e)
        return
    emit(("url", "category"), ((e["url"], e["category_code"]) for e in entries))
