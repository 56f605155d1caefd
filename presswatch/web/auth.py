"""Accounts, sign-in and who is asking: argon2 passwords, session cookies, API tokens, CSRF, a sign-in limit.

:class:`AuthMiddleware` recognises the caller of every request (a ``pw_session`` cookie or an
``Authorization: Bearer`` API token) and sets ``request.state.principal``
(:class:`~presswatch.web.principal.Principal`); with ``Settings.public_read`` off, an anonymous caller gets
only the sign-in page, the static files and the probe API. Sessions and tokens are stored as SHA-256
digests; each session carries its own CSRF token, which every form posts back (``csrf_token``) and API
calls made with the session cookie send as ``X-CSRF-Token``. Anonymous forms (sign-in) use a double-submit
cookie instead.
"""

from __future__ import annotations

import hashlib
import hmac
import json
import secrets
import threading
from collections.abc import Mapping
from dataclasses import dataclass
from datetime import datetime, timedelta
from http.cookies import SimpleCookie
from typing import TYPE_CHECKING, Any

import anyio.to_thread
from argon2 import PasswordHasher
from argon2.exceptions import InvalidHashError, VerificationError, VerifyMismatchError
from fastapi import HTTPException, Request
from sqlalchemy import func, select
from sqlalchemy.orm import Session
from starlette.datastructures import FormData
from starlette.types import ASGIApp, Receive, Scope, Send

from presswatch.errors import ConfigError, NotFound, PresswatchError
from presswatch.web.principal import ANONYMOUS, ROLES, Principal, Role

if TYPE_CHECKING:
    from presswatch.core import Presswatch

__all__ = [
    "CSRF_COOKIE",
    "CSRF_FIELD",
    "CSRF_HEADER",
    "SESSION_COOKIE",
    "USER_ROLES",
    "AuthMiddleware",
    "InvalidUser",
    "LoginRefused",
    "RateLimited",
    "SignedIn",
    "add_user",
    "create_api_token",
    "csrf_form",
    "csrf_token",
    "end_session",
    "list_users",
    "sign_in",
    "verify_csrf",
]

SESSION_COOKIE = "pw_session"
CSRF_COOKIE = "pw_csrf"
CSRF_FIELD = "csrf_token"
CSRF_HEADER = "x-csrf-token"
USER_ROLES: tuple[Role, ...] = ("viewer", "editor", "admin")
_NAME_CHARS = frozenset("abcdefghijklmnopqrstuvwxyz0123456789._-@")
_hasher = PasswordHasher()
#: a hash to verify against when the name is unknown, so both cases take the same time
_DUMMY_HASH = _hasher.hash("presswatch: no such user")


class InvalidUser(ConfigError):
    """A user name, role or password that cannot be accepted."""


class LoginRefused(PresswatchError):
    """Wrong name or password (the message never says which)."""


class RateLimited(LoginRefused):
    """Too many failed sign-ins for this name or address recently."""


def _digest(secret: str) -> str:
    return hashlib.sha256(secret.encode()).hexdigest()


def _check_name(name: str) -> str:
    n = name.strip().lower()
    if not n or len(n) > 64 or not set(n) <= _NAME_CHARS:
        raise InvalidUser(f"invalid user name {name!r}: 1-64 characters of a-z, 0-9, '.', '_', '-', '@'")
    return n


def add_user(core: Presswatch, name: str, password: str, role: str) -> int:
    """Create a user (``role``: viewer, editor or admin); its id. Refuses a taken name or a short password."""
    from presswatch.record.web_models import User

    n = _check_name(name)
    if role not in USER_ROLES:
        raise InvalidUser(f"unknown role {role!r} (one of: {', '.join(USER_ROLES)})")
    if len(password) < 8:
        raise InvalidUser("a password needs at least 8 characters")
    hashed = _hasher.hash(password)
    now = core.clock.now()

    def write(s: Session) -> int:
        if s.scalar(select(User.id).where(User.name == n)) is not None:
            raise InvalidUser(f"user {n!r} exists already")
        u = User(name=n, password_hash=hashed, role=role, created_at=now, disabled=False)
        s.add(u)
        s.flush()
        return u.id

    return core.db.write(write)


def list_users(core: Presswatch) -> list[dict[str, Any]]:
    from presswatch.clock import isoformat
    from presswatch.record.web_models import ApiToken, User

    with core.db.session() as s:
        tokens = dict(s.execute(select(ApiToken.user_id, func.count()).where(ApiToken.revoked_at.is_(None))
                                .group_by(ApiToken.user_id)).all())
        return [{"id": u.id, "name": u.name, "role": u.role, "disabled": u.disabled,
                 "created_at": isoformat(u.created_at), "api_tokens": int(tokens.get(u.id, 0))}
                for u in s.scalars(select(User).order_by(User.id))]


def create_api_token(core: Presswatch, name: str, label: str = "") -> str:
    """A new API token for user ``name`` (shown once; only its digest is stored)."""
    from presswatch.record.web_models import ApiToken, User

    n = _check_name(name)
    token = "pwt_" + secrets.token_urlsafe(32)
    now = core.clock.now()

    def write(s: Session) -> None:
        uid = s.scalar(select(User.id).where(User.name == n))
        if uid is None:
            raise NotFound(f"no user {n!r}")
        s.add(ApiToken(token_hash=_digest(token), user_id=uid, label=label, created_at=now))

    core.db.write(write)
    return token


@dataclass(frozen=True)
class SignedIn:
    """A new session: the cookie value and its CSRF token."""

    token: str
    csrf: str
    principal: Principal


def sign_in(core: Presswatch, name: str, password: str, address: str) -> SignedIn:
    """Check a password and open a session. :class:`RateLimited` after ``login_max_failures`` failures for
    the name or the address within ``login_window`` seconds (checked before the password);
    :class:`LoginRefused` for a wrong name or password. Every attempt is recorded."""
    from presswatch.record.web_models import LoginAttempt, User, WebSession

    st = core.settings
    now = core.clock.now()
    n = name.strip().lower()[:64]
    addr = address[:64]
    since = now - timedelta(seconds=st.login_window)
    with core.db.session() as s:
        failures = s.scalar(select(func.count()).select_from(LoginAttempt).where(
            LoginAttempt.at >= since, LoginAttempt.ok.is_(False),
            (LoginAttempt.name == n) | (LoginAttempt.address == addr))) or 0
        user = s.scalars(select(User).where(User.name == n)).first()
    if failures >= st.login_max_failures:
        core.db.write(lambda s: s.add(LoginAttempt(name=n, address=addr, at=now, ok=False)))
        raise RateLimited("too many failed sign-ins; try again later")
    ok = False
    try:
        ok = _hasher.verify(user.password_hash if user else _DUMMY_HASH, password) and user is not None
    except (VerifyMismatchError, VerificationError, InvalidHashError):
        ok = False
    if user is None or user.disabled:
        ok = False
    token, csrf = secrets.token_urlsafe(32), secrets.token_urlsafe(24)

    def write(s: Session) -> None:
        s.add(LoginAttempt(name=n, address=addr, at=now, ok=ok))
        if ok and user is not None:
            s.add(WebSession(token_hash=_digest(token), user_id=user.id, csrf=csrf, created_at=now,
                             expires_at=now + timedelta(hours=st.session_hours)))

    core.db.write(write)
    if not ok or user is None:
        raise LoginRefused("wrong user name or password")
    return SignedIn(token, csrf, Principal(role=_role(user.role), user_id=user.id, name=user.name, via="session"))


def end_session(core: Presswatch, token: str) -> None:
    from sqlalchemy import delete

    from presswatch.record.web_models import WebSession

    core.db.write(lambda s: s.execute(delete(WebSession).where(WebSession.token_hash == _digest(token))))


def _role(value: str) -> Role:
    for r in ROLES:
        if r == value:
            return r
    return "anonymous"


_LOOKUPS_MAX = 4096
_lookups_lock = threading.Lock()
#: (database, secret digests) -> (change token, (principal, csrf), session expiry): callers recognised
#: since the last commit to the database (a sign-out, a revoked token or a disabled user is a commit)
_lookups: dict[tuple[int, str, str], tuple[Any, tuple[Principal, str | None], datetime | None]] = {}


def _lookup(core: Presswatch, session_token: str | None, bearer: str | None) -> tuple[Principal, str | None]:
    """The caller behind a session cookie or API token (and the session's CSRF token), or anonymous.

    A caller recognised is remembered until anything is committed to the database, by this process or
    another (:func:`~presswatch.web.queries.change_token`); a session still ends at its expiry time."""
    from presswatch.web.queries import change_token

    token = change_token(core)  # read before the lookup, so a commit racing with it is never missed
    key = (id(core.db), _digest(bearer) if bearer else "", _digest(session_token) if session_token else "")
    now = core.clock.now()
    if token is not None:
        with _lookups_lock:
            hit = _lookups.get(key)
        if hit is not None and hit[0] == token and (hit[2] is None or hit[2] > now):
            return hit[1]
    found, expires = _lookup_now(core, session_token, bearer, now)
    if token is not None and found[0] is not ANONYMOUS:
        with _lookups_lock:
            if len(_lookups) >= _LOOKUPS_MAX:
                _lookups.clear()
            _lookups[key] = (token, found, expires)
    return found


def _lookup_now(core: Presswatch, session_token: str | None, bearer: str | None,
                now: datetime) -> tuple[tuple[Principal, str | None], datetime | None]:
    from presswatch.record.web_models import ApiToken, User, WebSession

    with core.db.session() as s:
        if bearer:
            row = s.execute(select(User, ApiToken.id).join(ApiToken, ApiToken.user_id == User.id).where(
                ApiToken.token_hash == _digest(bearer), ApiToken.revoked_at.is_(None))).first()
            if row is not None and not row[0].disabled:
                u = row[0]
                return (Principal(role=_role(u.role), user_id=u.id, name=u.name, via="token"), None), None
            return (ANONYMOUS, None), None
        if session_token:
            srow = s.execute(select(User, WebSession).join(WebSession, WebSession.user_id == User.id).where(
                WebSession.token_hash == _digest(session_token))).first()
            if srow is not None and not srow[0].disabled and srow[1].expires_at > now:
                u, ws = srow
                return ((Principal(role=_role(u.role), user_id=u.id, name=u.name, via="session"), ws.csrf),
                        ws.expires_at)
    return (ANONYMOUS, None), None


def _cookies(headers: Mapping[str, str]) -> dict[str, str]:
    raw = headers.get("cookie")
    if not raw:
        return {}
    jar: SimpleCookie = SimpleCookie()
    try:
        jar.load(raw)
    except Exception:  # noqa: BLE001 - a malformed cookie header is no cookie
        return {}
    return {k: m.value for k, m in jar.items()}


#: what an anonymous caller may reach when public reading is off: sign-in, assets, the probe protocol
_OPEN_PREFIXES = ("/login", "/static/", "/healthz", "/api/v1/probes/", "/api/v1/control", "/lang")
_OPEN_EXACT = {("POST", "/api/v1/measurements")}


class AuthMiddleware:
    """ASGI middleware: sets ``state.principal`` (and ``state.session_csrf``) from the cookie or bearer token."""

    def __init__(self, app: ASGIApp, core: Presswatch) -> None:
        self.app = app
        self.core = core

    async def __call__(self, scope: Scope, receive: Receive, send: Send) -> None:
        if scope["type"] != "http":
            await self.app(scope, receive, send)
            return
        headers = {k.decode("latin-1").lower(): v.decode("latin-1") for k, v in scope.get("headers", [])}
        bearer = None
        auth = headers.get("authorization", "")
        if auth[:7].lower() == "bearer ":
            bearer = auth[7:].strip()
        cookies = _cookies(headers)
        session = cookies.get(SESSION_COOKIE)
        principal, csrf = ANONYMOUS, None
        if bearer or session:
            principal, csrf = await anyio.to_thread.run_sync(_lookup, self.core, session, bearer)
            if bearer and principal is ANONYMOUS:
                await _json(send, 401, "invalid or revoked API token")
                return
        state = scope.setdefault("state", {})
        state["principal"] = principal
        state["session_csrf"] = csrf
        state["cookies"] = cookies
        path: str = scope.get("path", "")
        if (principal is ANONYMOUS and not self.core.settings.public_read
                and not path.startswith(_OPEN_PREFIXES) and (scope.get("method"), path) not in _OPEN_EXACT):
            if path.startswith("/api/") or path in ("/openapi.json", "/docs", "/redoc"):
                await _json(send, 401, "sign in required")
            else:
                from urllib.parse import quote

                await send({"type": "http.response.start", "status": 303,
                            "headers": [(b"location", f"/login?next={quote(path)}".encode()),
                                        (b"content-length", b"0")]})
                await send({"type": "http.response.body", "body": b""})
            return
        await self.app(scope, receive, send)


async def _json(send: Send, status: int, detail: str) -> None:
    body = json.dumps({"detail": detail}).encode()
    await send({"type": "http.response.start", "status": status,
                "headers": [(b"content-type", b"application/json"), (b"content-length", str(len(body)).encode())]})
    await send({"type": "http.response.body", "body": body})


def csrf_token(request: Request) -> str:
    """The CSRF token a form on this page must post: the session's, else the double-submit cookie's (a new
    one is made and set on the response by the page renderer when the visitor has none)."""
    bound = getattr(request.state, "session_csrf", None)
    if bound:
        return str(bound)
    existing = (getattr(request.state, "cookies", None) or {}).get(CSRF_COOKIE)
    if existing:
        return str(existing)
    new = getattr(request.state, "new_csrf", None)
    if not new:
        new = secrets.token_urlsafe(24)
        request.state.new_csrf = new
    return str(new)


async def csrf_form(request: Request) -> FormData:
    """The posted form, once its CSRF field passed :func:`verify_csrf` (403 otherwise)."""
    form = await request.form()
    token = form.get(CSRF_FIELD)
    verify_csrf(request, token if isinstance(token, str) else None)
    return form


def verify_csrf(request: Request, submitted: str | None) -> None:
    """403 unless ``submitted`` matches the session's CSRF token (or, for anonymous forms, the cookie)."""
    bound = getattr(request.state, "session_csrf", None)
    expected = bound or (getattr(request.state, "cookies", None) or {}).get(CSRF_COOKIE)
    if not expected or not submitted or not hmac.compare_digest(str(expected), str(submitted)):
        raise HTTPException(status_code=403, detail="missing or wrong CSRF token; reload the form and try again")
