"""``demand …`` and ``incident …``: thin commands over takedown demands and incidents."""

from __future__ import annotations

import json
import logging
import sys
from collections.abc import Callable
from enum import StrEnum
from pathlib import Path
from typing import TYPE_CHECKING, Annotated, Any

import typer

from presswatch.cli._support import emit, err, errors_as_usage, fail, open_core, print_json, progress

if TYPE_CHECKING:
    from types import ModuleType

__all__ = [
    "TEMPLATES",
    "demand_add",
    "demand_app",
    "demand_export",
    "demand_import",
    "demand_list",
    "demand_schema",
    "demand_show",
    "demand_template",
    "demand_update",
    "incident_add",
    "incident_app",
    "incident_list",
    "incident_new",
    "incident_note",
    "incident_override",
    "incident_show",
    "incident_timeline",
    "Opt",
    "register",
    "TemplateLang",
]

log = logging.getLogger(__name__)

demand_app = typer.Typer(help="Record takedown demands and their responses.", no_args_is_help=True)
incident_app = typer.Typer(
    help="Group demands, articles, sites and countries into incidents.", no_args_is_help=True
)

Opt = typer.Option


def _dm() -> ModuleType:
    from presswatch.cases import demands

    return demands


def _inc() -> ModuleType:
    from presswatch.cases import incidents

    return incidents


def _law(value: str) -> dict[str, Any]:
    """``KG:Law on Mass Media, art. 23`` → country + citation; without a country prefix, citation only."""
    head, sep, rest = value.partition(":")
    if sep and 2 <= len(head.strip()) <= 3 and head.strip().isalpha() and rest.strip():
        return {"country": head.strip(), "citation": rest.strip()}
    return {"citation": value.strip()}


def _read_json_object(path: Path) -> dict[str, Any]:
    dm = _dm()
    data = dm.load_json_file(path)
    if not isinstance(data, dict):
        raise dm.InvalidDemand(f"{path}: expected a JSON object")
    return data


def _party_dict(value: Any, which: str) -> dict[str, Any]:
    """A party from a demand file as a dict that flags can amend (a plain name string is accepted)."""
    if value is None:
        return {}
    if isinstance(value, str):
        return {"name": value}
    if isinstance(value, dict):
        return dict(value)
    fail(f"invalid demand: {which}: expected an object {{\"name\": …, \"kind\": …}} or just the name as a "
         f"string, got {type(value).__name__}")
    return {}


def _set(target: dict[str, Any], key: str, value: Any) -> None:
    if value is not None and value != []:
        target[key] = value


# -- demand ------------------------------------------------------------------------------------------
@demand_app.command("add")
def demand_add(
    ctx: typer.Context,
    from_json: Annotated[
        Path | None, Opt("--json", help="A demand as JSON (flags override its fields).")
    ] = None,
    title: Annotated[str | None, Opt(help="Short title.")] = None,
    sender: Annotated[str | None, Opt(help="Sender (authority or party) name.")] = None,
    sender_kind: Annotated[
        str | None,
        Opt(help="ministry|regulator|court|prosecutor|police|security-service|platform|private-party"),
    ] = None,
    sender_country: Annotated[str | None, Opt(help="Sender's country (ISO 3166).")] = None,
    sender_person: Annotated[str | None, Opt(help="Signatory's name (redactable).")] = None,
    sender_email: Annotated[str | None, Opt(help="Sender e-mail (redactable).")] = None,
    sender_phone: Annotated[str | None, Opt(help="Sender phone (redactable).")] = None,
    recipient: Annotated[str | None, Opt(help="Recipient name.")] = None,
    recipient_kind: Annotated[str | None, Opt(help="outlet|editor|host|platform|registrar")] = None,
    recipient_country: Annotated[str | None, Opt(help="Recipient's country (ISO 3166).")] = None,
    sent: Annotated[str | None, Opt(help="Date sent (YYYY-MM-DD or ISO 8601).")] = None,
    received: Annotated[str | None, Opt(help="Date received.")] = None,
    deadline: Annotated[str | None, Opt(help="Compliance deadline.")] = None,
    channel: Annotated[str | None, Opt(help="letter|email|court-order|phone|public-statement")] = None,
    law: Annotated[
        list[str] | None, Opt("--law", help="Legal basis, 'CC:law, article' (repeatable).")
    ] = None,
    action: Annotated[
        list[str] | None, Opt("--action", help="remove|edit|de-index|block|disclose-source")
    ] = None,
    target: Annotated[list[str] | None, Opt("--target", help="Target URL (repeatable).")] = None,
    target_text: Annotated[
        list[str] | None, Opt("--target-text", help="Described target without URL.")
    ] = None,
    redact_urls: Annotated[bool, Opt("--redact-urls", help="Publish only the hosts of the targets.")] = False,
    document: Annotated[list[Path] | None, Opt("--document", help="PDF, image or e-mail file.")] = None,
    visibility: Annotated[str | None, Opt(help="public|redacted|private")] = None,
    notes: Annotated[str | None, Opt(help="Free notes.")] = None,
    external_id: Annotated[str | None, Opt(help="External id, e.g. lumen:12345.")] = None,
    demand_type: Annotated[str | None, Opt("--type", help="government-request|court-order|…")] = None,
    measure_in: Annotated[
        list[str] | None, Opt("--measure-in", help="Also measure from this country.")
    ] = None,
    by: Annotated[str | None, Opt(help="Who records it.")] = None,
) -> None:
    """Record a demand; its target URLs are watched closely until the deadline + 14 days."""
    dm = _dm()
    core = open_core(ctx)
    with errors_as_usage():
        data = _read_json_object(from_json) if from_json else {}
        snd = _party_dict(data.get("sender"), "sender")
        for key, value in (
            ("name", sender),
            ("kind", sender_kind),
            ("country", sender_country),
            ("person", sender_person),
            ("email", sender_email),
            ("phone", sender_phone),
        ):
            _set(snd, key, value)
        rcp = _party_dict(data.get("recipient"), "recipient")
        for key, value in (("name", recipient), ("kind", recipient_kind), ("country", recipient_country)):
            _set(rcp, key, value)
        data["sender"], data["recipient"] = snd, rcp
        fields: tuple[tuple[str, Any], ...] = (
            ("title", title),
            ("date_sent", sent),
            ("date_received", received),
            ("deadline", deadline),
            ("channel", channel),
            ("visibility", visibility),
            ("notes", notes),
            ("external_id", external_id),
            ("demand_type", demand_type),
            ("actions", action),
            ("measure_in", measure_in),
        )
        for key, value in fields:
            _set(data, key, value)
        if law:
            data["legal_basis"] = [_law(x) for x in law]
        if target or target_text:
            data["targets"] = [{"url": u, "redact_url": redact_urls} for u in target or []]
            data["targets"] += [{"description": t} for t in target_text or []]
        did = core.add_demand(data, documents=list(document or []), by=by)
        rec = dm.get_demand(core, did)
    watched = [t["watch_id"] for t in rec["targets"] if t["watch_id"] is not None]
    err.print(
        f"recorded demand #{did}; watching {len(watched)} target URL(s)"
        + (f", to be measured in {', '.join(rec['measure_in'])}" if rec["measure_in"] else "")
    )
    print(did)


TEMPLATES = {
    "en": """{
  // A takedown demand, as `presswatch demand add --json FILE` reads it.
  // Comments (// …) are allowed in this template only; remove them or keep them, both are read.
  "title": "Remove the report on police conduct at the border protest",
  "sender": {"name": "Ministry of Internal Affairs", "kind": "ministry", "country": "KG"},
  // "sender": "Ministry of Internal Affairs" also works: the kind is guessed from the name
  "recipient": {"name": "Daily Example", "kind": "outlet", "country": "KG"},
  "date_sent": "2026-11-25",             // YYYY-MM-DD or ISO 8601
  "date_received": "2026-11-25T14:30:00Z",
  "deadline": "2026-11-26",
  "channel": "letter",                   // letter | email | court-order | phone | public-statement
  "legal_basis": [{"country": "KG", "citation": "Law on Protection from False Information, art. 4"}],
  "actions": ["remove"],                 // remove | edit | de-index | block | disclose-source
  "targets": [{"url": "https://news.example/2026/11/report"}],
  "visibility": "public",                // public | redacted (targets' paths, people hidden) | private
  "measure_in": ["KZ"],                  // also measure reachability from these countries
  "notes": "The ministry also forwarded the material to the prosecutor's office."
}
""",
    "ru": """{
  // Требование об удалении материала, как его читает `presswatch demand add --json FILE`.
  // Комментарии (// …) допустимы: их можно оставить или удалить.
  "title": "Удалить материал о действиях полиции на пограничном митинге",
  "sender": {"name": "Министерство внутренних дел", "kind": "ministry", "country": "KG"},
  // можно и строкой: "sender": "Министерство внутренних дел" (тип угадывается по названию)
  "recipient": {"name": "Ежедневные новости", "kind": "outlet", "country": "KG"},
  "date_sent": "2026-11-25",             // ГГГГ-ММ-ДД или ISO 8601
  "date_received": "2026-11-25T14:30:00Z",
  "deadline": "2026-11-26",
  "channel": "letter",                   // letter | email | court-order | phone | public-statement
  "legal_basis": [{"country": "KG", "citation": "Закон «О защите от недостоверной информации», ст. 4"}],
  "actions": ["remove"],                 // remove | edit | de-index | block | disclose-source
  "targets": [{"url": "https://news.example/2026/11/report"}],
  "visibility": "public",                // public | redacted | private
  "measure_in": ["KZ"],                  // измерять доступность также из этих стран
  "notes": "Министерство также направило материал в прокуратуру."
}
""",
}


class TemplateLang(StrEnum):
    en = "en"
    ru = "ru"


@demand_app.command("template")
def demand_template(
    lang: Annotated[TemplateLang, Opt("--lang", help="Language of the comments and example text.")] = TemplateLang.en,
) -> None:
    """Print a commented example demand file (edit it, then `demand add --json FILE`)."""
    sys.stdout.write(TEMPLATES[lang.value])


@demand_app.command("schema")
def demand_schema() -> None:
    """Print the JSON Schema of demand files (the API accepts the same)."""
    from presswatch.cases.demands import demand_json_schema

    sys.stdout.write(json.dumps(demand_json_schema(), ensure_ascii=False, indent=2) + "\n")


@demand_app.command("list")
def demand_list(
    ctx: typer.Context,
    country: Annotated[str | None, Opt(help="Only demands from this country.")] = None,
    response: Annotated[str | None, Opt(help="Only demands with this response.")] = None,
    as_json: Annotated[bool, Opt("--json", help="JSON output.")] = False,
) -> None:
    """List recorded demands."""
    dm = _dm()
    core = open_core(ctx)
    with errors_as_usage():
        rows = dm.list_demands(core, country=country, response=response)
    if as_json:
        for r in rows:
            print_json(r)
        return
    emit(
        ("id", "sent", "sender", "recipient", "demands", "response", "visibility", "title"),
        (
            (f"#{r['id']}", (r["date_sent"] or r["date_received"] or "")[:10],
             f"{r['sender']['name']} ({r['sender']['country'] or '?'})", r["recipient"]["name"],
             ",".join(r["actions"]), r["response"], r["visibility"], r["title"])
            for r in rows
        ),
    )


@demand_app.command("show")
def demand_show(
    ctx: typer.Context,
    demand_id: int,
    as_json: Annotated[bool, Opt("--json", help="JSON output.")] = False,
) -> None:
    """Show one demand with its revision history."""
    dm = _dm()
    core = open_core(ctx)
    with errors_as_usage():
        rec = dm.get_demand(core, demand_id, history=True)
    if as_json:
        print_json(rec)
        return
    s, r = rec["sender"], rec["recipient"]
    print(f"demand #{rec['id']} (revision {rec['revision']}, {rec['visibility']}): {rec['title']}")
    print(
        f"  from: {s['name']} [{s['kind']}, {s['country'] or '?'}]"
        + (f", {s['person']}" if s["person"] else "")
    )
    print(f"  to:   {r['name']} [{r['kind']}, {r['country'] or '?'}]")
    print(
        f"  sent {rec['date_sent'] or '?'}, received {rec['date_received'] or '?'}, "
        f"deadline {rec['deadline'] or '-'}, via {rec['channel'] or '?'}"
    )
    for lb in rec["legal_basis"]:
        basis = " ".join(str(lb.get(k)) for k in ("country", "citation", "text") if lb.get(k))
        print(f"  legal basis: {basis}")
    print(f"  demands: {', '.join(rec['actions'])}")
    for t in rec["targets"]:
        print(
            f"  target: {t['url'] or t['description']}"
            + (f" (watch {t['watch_id']})" if t["watch_id"] else "")
        )
    for d in rec["documents"]:
        print(f"  document: {d['filename']} {d['mime']} {d['size']} B sha256:{d['sha256']}")
    print(f"  response: {rec['response']}" + (f" on {rec['response_at']}" if rec["response_at"] else ""))
    if rec["notes"]:
        print(f"  notes: {rec['notes']}")
    for h in rec["history"]:
        changed = ", ".join(h["changes"]) or "recorded"
        who = f" by {h['by']}" if h["by"] else ""
        why = f" — {h['reason']}" if h["reason"] and h["reason"] != changed else ""
        print(f"  rev {h['revision']} {h['at']}{who}: {changed}{why}")


@demand_app.command("update")
def demand_update(
    ctx: typer.Context,
    demand_id: int,
    from_json: Annotated[Path | None, Opt("--json", help="Changes as a JSON object.")] = None,
    response: Annotated[
        str | None, Opt(help="pending|refused|complied|partially-complied|contested-in-court")
    ] = None,
    response_date: Annotated[str | None, Opt(help="When the response came.")] = None,
    deadline: Annotated[str | None, Opt(help="New deadline.")] = None,
    title: Annotated[str | None, Opt(help="New title.")] = None,
    visibility: Annotated[str | None, Opt(help="public|redacted|private")] = None,
    notes: Annotated[str | None, Opt(help="Replace the notes.")] = None,
    add_target: Annotated[list[str] | None, Opt("--add-target", help="Another target URL.")] = None,
    document: Annotated[list[Path] | None, Opt("--document", help="Attach a document.")] = None,
    by: Annotated[str | None, Opt(help="Who makes the change.")] = None,
    reason: Annotated[str | None, Opt(help="Why.")] = None,
) -> None:
    """Change a demand: a new revision (the old state is kept and logged)."""
    dm = _dm()
    core = open_core(ctx)
    with errors_as_usage():
        changes = _read_json_object(from_json) if from_json else {}
        for key, value in (
            ("response", response),
            ("response_at", response_date),
            ("deadline", deadline),
            ("title", title),
            ("visibility", visibility),
            ("notes", notes),
        ):
            _set(changes, key, value)
        if add_target:
            current = dm.get_demand(core, demand_id)["targets"]
            changes["targets"] = [{k: v for k, v in t.items() if k != "watch_id"} for t in current]
            changes["targets"] += [{"url": u} for u in add_target]
        if not changes and not document:
            fail("nothing to change")
        rev = dm.update_demand(core, demand_id, changes, by=by, reason=reason, documents=list(document or []))
    err.print(f"demand #{demand_id} is at revision {rev}")


@demand_app.command("import")
def demand_import(
    ctx: typer.Context,
    file: Path,
    by: Annotated[str | None, Opt(help="Who imports.")] = None,
) -> None:
    """Import Lumen-style notices (``{"notices": [...]}`` or a list); duplicates are skipped."""
    dm = _dm()
    core = open_core(ctx)
    with errors_as_usage(), progress(f"importing {file}"):
        result = dm.import_demands(core, dm.load_json_file(file), by=by)
    for msg in result.skipped:
        err.print(msg)
    err.print(f"imported {len(result.added)} demand(s), skipped {len(result.skipped)}")


@demand_app.command("export")
def demand_export(
    ctx: typer.Context,
    public: Annotated[
        bool, Opt("--public", help="Leave out private demands and redact redacted ones.")
    ] = False,
    out: Annotated[Path | None, Opt("--out", help="Write to this file instead of stdout.")] = None,
) -> None:
    """Export demands as Lumen-compatible JSON."""
    dm = _dm()
    core = open_core(ctx)
    with errors_as_usage():
        data = dm.export_demands(core, public=public)
    text = json.dumps(data, ensure_ascii=False, indent=2)
    if out is None:
        print(text)
    else:
        out.write_text(text + "\n", encoding="utf-8")
        err.print(f"wrote {data['meta']['count']} notice(s) to {out}")


# -- incident ----------------------------------------------------------------------------------------
@incident_app.command("new")
def incident_new(
    ctx: typer.Context,
    title: str,
    description: Annotated[str, Opt(help="What happened.")] = "",
    kind: Annotated[
        str | None, Opt(help="e.g. censorship/removal, censorship/blocking, legal/demand")
    ] = None,
    visibility: Annotated[str, Opt(help="public|redacted|private")] = "public",
) -> None:
    """Open an incident."""
    inc = _inc()
    core = open_core(ctx)
    with errors_as_usage():
        iid = inc.create_incident(core, title, description=description, kind=kind, visibility=visibility)
    err.print(f"opened incident #{iid}")
    print(iid)


@incident_app.command("add")
def incident_add(
    ctx: typer.Context,
    incident_id: int,
    demand: Annotated[list[int] | None, Opt("--demand", help="Demand id (repeatable).")] = None,
    watch: Annotated[list[int] | None, Opt("--watch", help="Watch id.")] = None,
    url: Annotated[list[str] | None, Opt("--url", help="Watched article URL.")] = None,
    host: Annotated[list[str] | None, Opt("--host", help="Site host.")] = None,
    country: Annotated[list[str] | None, Opt("--country", help="Country (ISO 3166).")] = None,
    note: Annotated[str | None, Opt(help="Add an analyst note.")] = None,
    author: Annotated[str | None, Opt(help="Author of the note.")] = None,
) -> None:
    """Add demands, articles, sites, countries or a note to an incident."""
    inc = _inc()
    core = open_core(ctx)
    with errors_as_usage():
        added = inc.add_to_incident(
            core,
            incident_id,
            demands=demand or [],
            watches=watch or [],
            urls=url or [],
            hosts=host or [],
            countries=country or [],
        )
        if note:
            inc.add_note(core, incident_id, note, author=author)
    for kind, ref in added:
        err.print(f"incident #{incident_id}: added {kind} {ref}")
    if note:
        err.print(f"incident #{incident_id}: note added")
    if not added and not note:
        err.print("nothing new to add")


@incident_app.command("note")
def incident_note(
    ctx: typer.Context,
    incident_id: int,
    text: str,
    author: Annotated[str | None, Opt(help="Who writes the note.")] = None,
) -> None:
    """Add an analyst note to the incident's timeline."""
    inc = _inc()
    core = open_core(ctx)
    with errors_as_usage():
        nid = inc.add_note(core, incident_id, text, author=author)
    err.print(f"incident #{incident_id}: note #{nid} added")


@incident_app.command("override")
def incident_override(
    ctx: typer.Context,
    incident_id: int,
    outcome: Annotated[str | None, typer.Argument(help="The editor's outcome (omit with --clear).")] = None,
    by: Annotated[str, Opt(help="Editor's name.")] = "",
    why: Annotated[str, Opt(help="Reason.")] = "",
    clear: Annotated[bool, Opt("--clear", help="Remove the override.")] = False,
) -> None:
    """Set (or clear) the editor's final word on the outcome."""
    inc = _inc()
    core = open_core(ctx)
    if outcome is None and not clear:
        fail("give an OUTCOME or --clear")
    with errors_as_usage():
        inc.override_outcome(core, incident_id, None if clear else outcome, by=by, why=why)
    err.print(
        f"incident #{incident_id}: outcome " + ("override cleared" if clear else f"set to {outcome!r}")
    )


@incident_app.command("list")
def incident_list(
    ctx: typer.Context, as_json: Annotated[bool, Opt("--json", help="JSON output.")] = False
) -> None:
    """List incidents."""
    inc = _inc()
    core = open_core(ctx)
    rows = inc.list_incidents(core)
    if as_json:
        for r in rows:
            print_json(r)
        return
    emit(("id", "kind", "updated", "title"), ((f"#{r['id']}", r["kind"] or "-", r["updated_at"], r["title"])
                                              for r in rows))


@incident_app.command("show")
def incident_show(
    ctx: typer.Context,
    incident_id: int,
    as_json: Annotated[bool, Opt("--json", help="JSON output.")] = False,
) -> None:
    """Show an incident: members and outcome (inferred, and the editor's override)."""
    inc = _inc()
    core = open_core(ctx)
    with errors_as_usage():
        rec = inc.show_incident(core, incident_id)
    if as_json:
        print_json(rec)
        return
    print(f"incident #{rec['id']}: {rec['title']}" + (f" [{rec['kind']}]" if rec["kind"] else ""))
    if rec["description"]:
        print(f"  {rec['description']}")
    for d in rec["demands"]:
        print(f"  demand #{d['id']}: {d['sender']} ({d['country'] or '?'}) — {d['response']}: {d['title']}")
    for w in rec["watches"]:
        print(f"  article: {w['url']} ({w['status'] or 'not checked yet'})")
    print(f"  sites: {', '.join(rec['hosts']) or '-'}; countries: {', '.join(rec['countries']) or '-'}")
    _print_outcome(rec["outcome"], print)


def _print_outcome(outcome: dict[str, Any], out: Callable[[str], None]) -> None:
    out(f"  outcome: {outcome['final']}")
    inferred = outcome["inferred"]
    out(f"  inferred: {inferred['label']}")
    for st in inferred["statements"]:
        out(f"    - {st}")
    if outcome["override"]:
        o = outcome["override"]
        out(f"  editor's override by {o['by']} on {o['at']}: {o['outcome']} ({o['why']})")


@incident_app.command("timeline")
def incident_timeline(
    ctx: typer.Context,
    incident_id: int,
    as_json: Annotated[bool, Opt("--json", help="JSON output.")] = False,
) -> None:
    """The incident's timeline, oldest first, and its outcome."""
    inc = _inc()
    core = open_core(ctx)
    with errors_as_usage():
        entries = inc.timeline(core, incident_id)
        outcome = inc.infer_outcome(core, incident_id).as_dict()
    if as_json:
        print_json({"incident": incident_id, "timeline": [e.as_dict() for e in entries], "outcome": outcome})
        return
    for e in entries:
        print(f"{e.as_dict()['at']}  {e.kind:<13} {e.summary}")
    _print_outcome(outcome, print)


def register(app: typer.Typer) -> None:
    """Add the ``demand`` and ``incident`` command groups to the main app."""
    app.add_typer(demand_app, name="demand")
    app.add_typer(incident_app, name="incident")
