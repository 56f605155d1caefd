"""Subscriptions: add (validated and guarded now, not at delivery), list, remove, rotate; the delivery log."""

from __future__ import annotations

import asyncio
from collections.abc import Mapping
from datetime import timedelta
from typing import TYPE_CHECKING, Any

from sqlalchemy import func, select
from sqlalchemy.orm import Session

from presswatch.alerts.channels import check_apprise_url, guard_apprise
from presswatch.alerts.digest import PERIODS
from presswatch.alerts.payload import check_template
from presswatch.alerts.subscriptions import parse_filters
from presswatch.alerts.webhooks import decode_secret
from presswatch.clock import isoformat
from presswatch.errors import ConfigError, FetchError, NotFound
from presswatch.fetch.guard import TargetGuard, validate_url
from presswatch.record.alert_models import AlertAttempt, AlertMessage, AlertSubscription
from presswatch.record.models import Event, Watch

if TYPE_CHECKING:
    from presswatch.core import Presswatch

__all__ = ["add_subscription", "delivery_log", "list_subscriptions", "new_secret", "remove_subscription",
           "rotate_secret", "subscription_dict"]


def new_secret() -> str:
    """A fresh Standard Webhooks secret: ``whsec_`` + base64 of 24 random bytes."""
    import base64
    import secrets

    return "whsec_" + base64.b64encode(secrets.token_bytes(24)).decode()


async def _guard(core: Presswatch, channel: str, target: str) -> None:
    guard = TargetGuard(allow_private=core.settings.allow_private, ttl=0.0)
    try:
        if channel == "webhook":
            await guard.check(target)
        else:
            await guard_apprise(target, guard)
    except FetchError as exc:
        raise ConfigError(f"cannot use {target}: {exc}") from exc


def add_subscription(
    core: Presswatch, *, webhook: str | None = None, apprise: str | None = None, secret: str | None = None,
    filters: Mapping[str, Any] | None = None, digest: str | None = None, debounce: int = 0,
    title: str | None = None, body: str | None = None, owner: str | None = None,
) -> int:
    """Validate and store a subscription; its id. Every problem is a clear error now (a bad URL, a refused
    private target, a secret that is not ``whsec_`` + base64, an unknown template token …)."""
    if (webhook is None) == (apprise is None):
        raise ConfigError("give exactly one channel: --webhook URL or --apprise URL")
    if webhook is not None:
        channel, target = "webhook", validate_url(webhook)
        if secret is None:
            raise ConfigError("--webhook needs --secret whsec_… (a Standard Webhooks secret)")
        decode_secret(secret)
    else:
        assert apprise is not None
        channel, target = "apprise", apprise
        check_apprise_url(apprise)
        if secret is not None:
            raise ConfigError("--secret is for webhooks; an apprise URL carries its own credentials")
    if digest is not None and digest not in PERIODS:
        raise ConfigError(f"--digest must be one of {', '.join(PERIODS)}, not {digest!r}")
    if debounce < 0:
        raise ConfigError("--debounce must be 0 or more seconds")
    check_template(title, "--title")
    check_template(body, "--body")
    f = dict(filters or {})
    watch = f.get("watch")
    if watch is not None and not str(watch).isdigit():
        from presswatch.sources.urls import canonical_url

        with core.db.session() as s:
            found = s.scalar(select(Watch.id).where(Watch.url.in_({str(watch), canonical_url(str(watch))})))
        if found is None:
            raise NotFound(f"not watched: {watch} (watch it first with `presswatch watch`)")
        f["watch"] = found
    parsed = parse_filters(f)
    if parsed.incident is not None:
        from presswatch.record.demand_models import Incident

        with core.db.session() as s:
            if s.get(Incident, parsed.incident) is None:
                raise NotFound(f"no incident #{parsed.incident}")
    asyncio.run(_guard(core, channel, target))
    now = core.clock.now()

    def fn(s: Session) -> int:
        since = s.scalar(select(func.max(Event.id))) or 0
        row = AlertSubscription(
            channel=channel, target=target, secret=secret, filters=parsed.as_dict(), digest=digest,
            debounce=int(debounce), title_template=title, body_template=body, owner=owner, enabled=True,
            since_event_id=since, created_at=now,
        )
        s.add(row)
        s.flush()
        return row.id

    return core.db.write(fn)


def _mask(target: str, channel: str) -> str:
    if channel == "apprise" and "://" in target:
        scheme, _, rest = target.partition("://")
        return f"{scheme}://…" if "@" in rest or len(rest) > 40 else target
    return target


def subscription_dict(row: AlertSubscription) -> dict[str, Any]:
    return {
        "id": row.id, "channel": row.channel, "target": _mask(row.target, row.channel),
        "filters": row.filters, "digest": row.digest, "debounce": row.debounce,
        "enabled": row.enabled, "disabled_reason": row.disabled_reason,
        "rotating": row.old_secret is not None, "created_at": isoformat(row.created_at), "owner": row.owner,
    }


def list_subscriptions(core: Presswatch, *, owner: str | None = None, removed: bool = True) -> list[dict[str, Any]]:
    """Subscriptions, oldest first; only ``owner``'s when given; without the removed ones if not ``removed``."""
    with core.db.session() as s:
        q = select(AlertSubscription).order_by(AlertSubscription.id)
        if owner is not None:
            q = q.where(AlertSubscription.owner == owner)
        return [subscription_dict(r) for r in s.scalars(q) if removed or r.disabled_reason != "removed"]


def remove_subscription(core: Presswatch, sub_id: int, *, owner: str | None = None) -> None:
    """Stop a subscription (its delivery log is kept; its undelivered messages are dropped). With ``owner``,
    only a subscription of that owner (another's is :class:`NotFound`, as if it did not exist)."""

    def fn(s: Session) -> None:
        row = s.get(AlertSubscription, sub_id)
        if row is None or row.disabled_reason == "removed" or (owner is not None and row.owner != owner):
            raise NotFound(f"no subscription #{sub_id}")
        row.enabled, row.disabled_reason = False, "removed"
        for m in s.scalars(select(AlertMessage).where(AlertMessage.subscription_id == sub_id,
                                                      AlertMessage.state == "pending")):
            m.state, m.last_error = "disabled", "subscription removed"

    core.db.write(fn)


def rotate_secret(core: Presswatch, sub_id: int, secret: str, *, overlap: timedelta = timedelta(hours=24)) -> None:
    """Sign with ``secret`` from now on, and with the old one too for ``overlap`` (both signatures sent)."""
    decode_secret(secret)
    now = core.clock.now()

    def fn(s: Session) -> None:
        row = s.get(AlertSubscription, sub_id)
        if row is None:
            raise NotFound(f"no subscription #{sub_id}")
        if row.channel != "webhook":
            raise ConfigError(f"subscription #{sub_id} is an apprise channel: it has no secret")
        if secret == row.secret:
            raise ConfigError("the new secret is the current one")
        row.old_secret, row.old_secret_until, row.secret = row.secret, now + overlap, secret

    core.db.write(fn)


def delivery_log(core: Presswatch, *, subscription: int | None = None, owner: str | None = None,
                 limit: int = 1000) -> list[dict[str, Any]]:
    """Messages (newest first) with their attempts: state, status code or error per attempt; only those of
    ``owner``'s subscriptions when given."""
    with core.db.session() as s:
        q = select(AlertMessage).order_by(AlertMessage.id.desc()).limit(limit)
        if subscription is not None:
            q = q.where(AlertMessage.subscription_id == subscription)
        if owner is not None:
            q = q.where(AlertMessage.subscription_id.in_(
                select(AlertSubscription.id).where(AlertSubscription.owner == owner)))
        msgs = list(s.scalars(q))
        attempts: dict[int, list[dict[str, Any]]] = {}
        ids = [m.id for m in msgs]
        for i in range(0, len(ids), 500):
            for a in s.scalars(select(AlertAttempt).where(AlertAttempt.message_id.in_(ids[i:i + 500]))
                               .order_by(AlertAttempt.id)):
                attempts.setdefault(a.message_id, []).append({
                    "attempt": a.attempt, "at": isoformat(a.at), "status_code": a.status_code, "error": a.error,
                    "duration": round(a.duration, 4), "outcome": a.outcome})
        return [{
            "id": m.id, "subscription": m.subscription_id, "webhook_id": m.webhook_id, "kind": m.kind,
            "type": m.event_type, "group": m.group_key, "state": m.state, "attempts": m.attempts,
            "created_at": isoformat(m.created_at), "next_attempt_at": isoformat(m.next_attempt_at),
            "delivered_at": isoformat(m.delivered_at) if m.delivered_at else None, "last_error": m.last_error,
            "log": attempts.get(m.id, []),
        } for m in msgs]
