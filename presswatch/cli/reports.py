"""``report …``: ingest a press report, review its draft, accept or reject it, check its claims."""

from __future__ import annotations

import asyncio
import json
from datetime import date
from pathlib import Path
from typing import Annotated, Any

import typer

from presswatch.cli._support import emit, err, errors_as_usage, fail, open_core, print_json, shorten

__all__ = ["Opt", "register", "report_accept", "report_add", "report_app", "report_check", "report_list",
           "report_ooni_import", "report_reject", "report_show"]

report_app = typer.Typer(help="Read press reports into draft incidents and check their claims.",
                         no_args_is_help=True)
Opt = typer.Option


def _day(value: str | None) -> date | None:
    if value is None:
        return None
    try:
        return date.fromisoformat(value)
    except ValueError:
        fail(f"--date {value!r}: expected YYYY-MM-DD")
        raise  # unreachable


def _print_draft(doc: dict[str, Any]) -> None:
    """The draft for a reviewer: every field with the sentence it came from."""
    typer.echo(f"report #{doc['id']} · {doc.get('language')} · dated {doc.get('report_date')}"
               + (f" · {doc['source']}" if doc.get("source") else ""))
    if doc.get("empty"):
        typer.echo("  (nothing to review: no action and no checkable claim found)")
    for a in doc.get("actors") or []:
        cc = f" [{a['country']}]" if a.get("country") else ""
        typer.echo(f"  actor     {a['role']:<11} {a['kind']:<15} {a['name']}{cc}")
        typer.echo(f"            “{shorten(a.get('quote'), 110)}”")
    for a in doc.get("actions") or []:
        extra = "".join(f" · {k} {a[k]}" for k in ("date", "legal_basis") if a.get(k))
        typer.echo(f"  action    {a['kind']:<20} by {a.get('by') or '?'} against {a.get('against') or '?'}{extra}")
        typer.echo(f"            “{shorten(a.get('quote'), 110)}”")
    typer.echo(f"  blocked   {', '.join(doc.get('blocked_countries') or []) or '-'}")
    typer.echo(f"  dates     {', '.join(doc.get('dates') or []) or '-'}")
    typer.echo(f"  outcome   {doc.get('outcome')}")
    for c in doc.get("claims") or []:
        cc = f" in {c['country']}" if c.get("country") else ""
        status = f" → {c['status']}" if c.get("status") else ""
        typer.echo(f"  claim     {c['kind']}{cc} as of {c.get('as_of') or '?'}{status}")
        typer.echo(f"            “{shorten(c.get('quote'), 110)}”")


@report_app.command("add")
def report_add(
    ctx: typer.Context,
    source: Annotated[str, typer.Argument(help="The report: an http(s) URL, or a text/HTML file.")],
    lang: Annotated[str | None, Opt("--lang", help="en|ru (default: detected per sentence).")] = None,
    day: Annotated[str | None, Opt("--date", help="The report's date, YYYY-MM-DD (anchors 'last week').")] = None,
    as_json: Annotated[bool, Opt("--json", help="Print the draft as one JSON object.")] = False,
) -> None:
    """Ingest a report and extract its draft (kept out of the evidence log until accepted)."""
    if lang is not None and lang not in ("en", "ru"):
        fail(f"--lang {lang!r}: expected en or ru")
    when = _day(day)
    core = open_core(ctx)
    with errors_as_usage():
        doc = asyncio.run(core.add_report(source, language=lang, report_date=when))
    if as_json:
        print_json(doc)
    else:
        _print_draft(doc)
        err.print(f"review it: presswatch report show {doc['id']}; then report accept {doc['id']} "
                  f"[--edit FILE.json] or report reject {doc['id']}", highlight=False)


@report_app.command("show")
def report_show(
    ctx: typer.Context,
    report_id: Annotated[int, typer.Argument(help="Report id.")],
    as_json: Annotated[bool, Opt("--json", help="One JSON object (the draft under 'draft').")] = False,
) -> None:
    """A report's draft (every field with its quote) and, once accepted, its claims' statuses."""
    from presswatch.reports.review import get_report

    core = open_core(ctx)
    with errors_as_usage():
        rep = get_report(core, report_id)
    if as_json:
        print_json(rep)
        return
    typer.echo(f"status {rep['status']} (revision {rep['revision']})"
               + (f" · incident #{rep['incident_id']}" if rep.get("incident_id") else ""))
    doc = dict(rep["draft"])
    if rep["claims"]:
        doc["claims"] = rep["claims"]
    _print_draft(doc)
    for c in rep["claims"]:
        if c.get("summary"):
            typer.echo(f"  check     claim #{c['id']} {c['status']}: {c['summary']}")


@report_app.command("list")
def report_list(
    ctx: typer.Context,
    status: Annotated[str | None, Opt(help="draft|accepted|rejected")] = None,
    as_json: Annotated[bool, Opt("--json", help="One JSON object per line.")] = False,
) -> None:
    """Ingested reports."""
    from presswatch.reports.review import list_reports

    core = open_core(ctx)
    rows = list_reports(core, status=status)
    if as_json:
        for r in rows:
            print_json(r)
        return
    emit(("id", "status", "lang", "date", "incident", "title"),
         ((r["id"], r["status"], r["language"], r["report_date"], r["incident_id"] or "", shorten(r["title"], 70))
          for r in rows))


@report_app.command("accept")
def report_accept(
    ctx: typer.Context,
    report_id: Annotated[int, typer.Argument(help="Report id.")],
    edit: Annotated[Path | None, Opt("--edit", help="A JSON object of draft fields to replace first.")] = None,
    by: Annotated[str | None, Opt(help="Who reviewed it.")] = None,
    as_json: Annotated[bool, Opt("--json", help="Print the ids created as JSON.")] = False,
) -> None:
    """Accept the draft: the incident, its demands and claims enter the record and the evidence log."""
    from presswatch.reports.review import accept_report

    changes = None
    if edit is not None:
        try:
            changes = json.loads(edit.read_text(encoding="utf-8"))
        except (OSError, UnicodeDecodeError, json.JSONDecodeError) as exc:
            fail(f"--edit {edit}: {exc}")
        if not isinstance(changes, dict):
            fail(f"--edit {edit}: expected a JSON object of draft fields")
    core = open_core(ctx)
    with errors_as_usage():
        res = accept_report(core, report_id, edit=changes, by=by)
    if as_json:
        print_json(res)
    else:
        typer.echo(f"accepted report #{report_id}: incident #{res['incident']}, demands "
                   f"{', '.join(f'#{d}' for d in res['demands']) or '-'}, {len(res['claims'])} claims")


@report_app.command("reject")
def report_reject(
    ctx: typer.Context,
    report_id: Annotated[int, typer.Argument(help="Report id.")],
    by: Annotated[str | None, Opt(help="Who reviewed it.")] = None,
    why: Annotated[str | None, Opt(help="Why.")] = None,
) -> None:
    """Reject the draft (nothing enters the record)."""
    from presswatch.reports.review import reject_report

    core = open_core(ctx)
    with errors_as_usage():
        reject_report(core, report_id, by=by, why=why)
    typer.echo(f"rejected report #{report_id}")


@report_app.command("check")
def report_check(
    ctx: typer.Context,
    report_id: Annotated[int, typer.Argument(help="Report id (accepted).")],
    vantage: Annotated[list[str] | None, Opt(
        "--vantage", help="Measure a country from here: CC[:resolver=HOST:PORT,control=HOST:PORT,network=NAME] "
        "(repeatable).")] = None,
    ooni_api: Annotated[str | None, Opt("--ooni-api", help="OONI API base URL (default: setting ooni_api).")] = None,
    as_json: Annotated[bool, Opt("--json", help="One JSON object per claim.")] = False,
) -> None:
    """Check every claim of an accepted report now: corroborated, contradicted or unverified."""
    from presswatch.reports.checking import parse_vantage

    core = open_core(ctx)
    with errors_as_usage():
        vantages = [parse_vantage(v) for v in vantage or []]
        results = asyncio.run(core.check_report(report_id, vantages=vantages, ooni_base=ooni_api))
    for r in results:
        if as_json:
            print_json(r)
        else:
            cc = f" in {r['country']}" if r.get("country") else ""
            typer.echo(f"claim #{r['claim_id']} {r['kind']}{cc}: {r['status']} — {r['summary']}")


@report_app.command("ooni-import")
def report_ooni_import(
    ctx: typer.Context,
    path: Annotated[Path, typer.Argument(
        help="OONI Web Connectivity measurements: JSON, JSON lines, or an API listing.")],
) -> None:
    """Import OONI's published measurements (a third party's verdicts) for claim checks."""
    from presswatch.reports import ooni

    try:
        text = path.read_text(encoding="utf-8")
    except (OSError, UnicodeDecodeError) as exc:
        fail(f"cannot read {path}: {exc}")
    core = open_core(ctx)
    with errors_as_usage():
        ids = ooni.import_records(core, ooni.parse_jsonl(text, source_url=path.resolve().as_uri()))
    typer.echo(f"imported {len(ids)} OONI measurements (third-party source)")


def register(app: typer.Typer) -> None:
    """Add the ``report`` command group to the main app."""
    app.add_typer(report_app, name="report")
