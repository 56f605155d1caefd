"""The settings pages: ``/settings/alerts``, the signed-in user's alert subscriptions.

A user lists, creates and removes their own subscriptions (a webhook or an apprise channel, with filters)
and reads the delivery log of theirs; an admin sees everyone's and may create one for a team (any owner
name). Creating goes through :func:`presswatch.alerts.manage.add_subscription`, the function the command
line and the API use, so every problem (a refused private target, a bad secret, URL or template, an
unknown watch or incident) is the same clear message, shown on the form, with nothing stored. A webhook
secret left blank is generated; the secret is shown once, on the page that confirms the creation.

Who sees which case events: a viewer's subscription, and a team's unless the admin says otherwise, gets
no event of a private demand or incident (:attr:`presswatch.alerts.subscriptions.Filters.private`).
Every form carries the CSRF token; anonymous visitors are sent to sign in.
"""

from __future__ import annotations

from typing import TYPE_CHECKING, Any

from fastapi import APIRouter, Depends, Request
from fastapi.responses import HTMLResponse, RedirectResponse, Response
from starlette.concurrency import run_in_threadpool
from starlette.datastructures import FormData

from presswatch.alerts.digest import PERIODS
from presswatch.alerts.manage import add_subscription, delivery_log, list_subscriptions, new_secret, remove_subscription
from presswatch.alerts.subscriptions import DEFAULT_KINDS, EVENT_KINDS
from presswatch.errors import PresswatchError
from presswatch.web.auth import csrf_form
from presswatch.web.pages import Id, render
from presswatch.web.principal import Principal, require_role

if TYPE_CHECKING:
    from presswatch.core import Presswatch

__all__ = ["LOG_ROWS", "SubscriptionForm", "parse_form", "settings_router"]

LOG_ROWS = 50  # the delivery log shows this many latest messages


def _str(form: FormData, name: str) -> str:
    value = form.get(name)
    return value.strip() if isinstance(value, str) else ""


def _list(text: str) -> list[str]:
    return [p.strip() for p in text.replace("\n", ",").split(",") if p.strip()]


def _int(text: str, what: str, *, default: int | None = None) -> int | None:
    if not text:
        return default
    if not text.isdigit():
        raise ValueError(f"{what}: not a whole number: {text!r}")
    return int(text)


class SubscriptionForm:
    """What the form asked for, as :func:`add_subscription`'s arguments (and the values to show again)."""

    def __init__(self, values: dict[str, Any], kwargs: dict[str, Any], generated: bool) -> None:
        self.values, self.kwargs, self.generated = values, kwargs, generated


def parse_form(form: FormData, me: Principal) -> SubscriptionForm:
    """The form's fields as a subscription; :class:`ValueError` naming the field that is wrong. Pure but for
    a generated secret; validation of URLs, secrets and templates is :func:`add_subscription`'s."""
    values: dict[str, Any] = {k: _str(form, k) for k in (
        "channel", "target", "secret", "countries", "site", "watch", "tags", "incident", "min_words",
        "digest", "debounce", "title", "body", "owner")}
    values["events"] = [str(v) for v in form.getlist("events") if isinstance(v, str)]
    values["headline"] = form.get("headline") == "on"
    values["private"] = form.get("private") == "on"
    channel = values["channel"] or "webhook"
    if channel not in ("webhook", "apprise"):
        raise ValueError(f"unknown channel {channel!r}: webhook or apprise")
    if not values["target"]:
        raise ValueError("give the webhook URL or the apprise URL")
    tags: dict[str, str] = {}
    for line in values["tags"].replace(",", "\n").splitlines():
        if not line.strip():
            continue
        key, sep, value = line.partition("=")
        if not sep or not key.strip() or not value.strip():
            raise ValueError(f"tags: {line.strip()!r} is not KEY=VALUE")
        tags[key.strip()] = value.strip()
    filters: dict[str, Any] = {
        "events": values["events"] or list(DEFAULT_KINDS), "countries": _list(values["countries"]), "tags": tags,
        "site": values["site"] or None, "incident": _int(values["incident"].lstrip("#"), "incident"),
        "min_words": _int(values["min_words"], "minimum words changed", default=0),
        "headline": values["headline"],
    }
    if values["watch"]:
        filters["watch"] = values["watch"]
    owner = me.name
    if me.at_least("admin") and values["owner"]:
        owner = values["owner"]
    # who may get private cases: the owner's own clearance; a team's (made by an admin) only when asked
    filters["private"] = (me.at_least("editor") and owner == me.name) or (me.at_least("admin") and values["private"])
    digest = values["digest"] or None
    if digest is not None and digest not in PERIODS:
        raise ValueError(f"digest: one of {', '.join(PERIODS)}, not {digest!r}")
    secret: str | None = values["secret"] or None
    generated = False
    if channel == "webhook" and secret is None:
        secret, generated = new_secret(), True
    kwargs: dict[str, Any] = {
        "webhook": values["target"] if channel == "webhook" else None,
        "apprise": values["target"] if channel == "apprise" else None,
        "secret": secret, "filters": filters, "digest": digest,
        "debounce": _int(values["debounce"], "debounce", default=0), "title": values["title"] or None,
        "body": values["body"] or None, "owner": owner,
    }
    values["secret"] = ""  # never shown back in the form
    return SubscriptionForm(values, kwargs, generated)



def settings_router(core: Presswatch) -> APIRouter:
    """The settings pages (signed-in users only)."""
    r = APIRouter(include_in_schema=False)
    viewer = Depends(require_role("viewer"))

    def owner_of(me: Principal) -> str | None:
        return None if me.at_least("admin") else me.name  # an admin sees every subscription

    def page(request: Request, me: Principal, *, status: int = 200, **extra: Any) -> HTMLResponse:
        owner = owner_of(me)
        context = {
            "subs": list_subscriptions(core, owner=owner, removed=False),
            "log": delivery_log(core, owner=owner, limit=LOG_ROWS),
            "kinds": EVENT_KINDS, "default_kinds": DEFAULT_KINDS, "periods": PERIODS,
            "v": {"channel": "webhook", "events": list(DEFAULT_KINDS)}, "error": None, "created": None,
            "secret": None, "is_admin": me.at_least("admin"), "is_staff": me.at_least("editor"),
        }
        return render(request, "settings_alerts.html", {**context, **extra}, status=status)

    @r.get("/settings")
    def settings_home(me: Principal = viewer) -> Response:
        return RedirectResponse("/settings/alerts", status_code=303)

    @r.get("/settings/alerts")
    def alerts_page(request: Request, me: Principal = viewer) -> HTMLResponse:
        return page(request, me)

    @r.post("/settings/alerts")
    async def alerts_create(request: Request, me: Principal = viewer) -> HTMLResponse:
        form = await csrf_form(request)
        values: dict[str, Any] = {"channel": _str(form, "channel"), "target": _str(form, "target"),
                                  "events": [str(v) for v in form.getlist("events") if isinstance(v, str)]}
        try:
            parsed = parse_form(form, me)
            values = parsed.values
            sid = await run_in_threadpool(lambda: add_subscription(core, **parsed.kwargs))
        except (PresswatchError, ValueError) as exc:
            return page(request, me, status=422, error=str(exc), v=values)
        return page(request, me, status=201, created=sid,
                    secret=parsed.kwargs["secret"] if parsed.kwargs["webhook"] else None)

    @r.post("/settings/alerts/{sub_id}/delete")
    async def alerts_delete(request: Request, sub_id: Id, me: Principal = viewer) -> Response:
        await csrf_form(request)
        remove_subscription(core, sub_id, owner=owner_of(me))  # another's: NotFound, a 404 page
        return RedirectResponse("/settings/alerts", status_code=303)

    return r
