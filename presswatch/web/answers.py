"""Whole answers of the read API remembered until the next commit: :class:`AnswerCache`.

A ``GET`` of one of :data:`CACHED_PATHS` is answered with the bytes the app sent for the same path and
query string, to a reader of the same visibility (signed in, or anonymous: the public view), while the
database's change token (:func:`~presswatch.web.queries.change_token`) still reads what it read before
that answer was made. Any commit, by this process or another, moves the token, so no answer outlives the
data it was made from; the token is read before the answer is made, so a commit racing with it is seen by
the next request. Only ``200`` answers without cookies are kept, and only where there is a token.
"""

from __future__ import annotations

import threading
from collections import OrderedDict
from typing import TYPE_CHECKING, Any

import anyio.to_thread
from starlette.types import ASGIApp, Message, Receive, Scope, Send

from presswatch.web.principal import ANONYMOUS, Principal

if TYPE_CHECKING:
    from presswatch.core import Presswatch

__all__ = ["CACHED_PATHS", "MAX_ANSWER_BYTES", "MAX_ANSWERS", "MAX_TOTAL_BYTES", "AnswerCache"]

#: the read routes whose answers depend only on the database, the query string and the reader's visibility
CACHED_PATHS = frozenset({"/api/v1/watches", "/api/v1/events", "/api/v1/history"})
MAX_ANSWERS = 512  #: answers kept at most (the oldest go first)
MAX_ANSWER_BYTES = 4 * 1024 * 1024  #: a larger answer is not kept
MAX_TOTAL_BYTES = 64 * 1024 * 1024  #: bytes kept at most, all answers together

_Key = tuple[str, bytes, bool]


class AnswerCache:
    """ASGI middleware, inside the authentication layer (it reads ``state.principal``): repeats a read
    API answer until anything is committed to the database."""

    def __init__(self, app: ASGIApp, core: Presswatch, paths: frozenset[str] = CACHED_PATHS) -> None:
        self.app = app
        self.core = core
        self.paths = paths
        self._lock = threading.Lock()
        self._token: Any = None  # the token the kept answers were made under
        self._answers: OrderedDict[_Key, tuple[int, list[tuple[bytes, bytes]], bytes]] = OrderedDict()
        self._bytes = 0

    async def _read_token(self) -> Any:
        from presswatch.web.queries import change_token

        if self.core.db.is_sqlite:  # a PRAGMA on a connection of its own: microseconds, no server round trip
            return change_token(self.core)
        return await anyio.to_thread.run_sync(change_token, self.core)

    def _get(self, key: _Key, token: Any) -> tuple[int, list[tuple[bytes, bytes]], bytes] | None:
        with self._lock:
            if token != self._token:  # something was committed: every kept answer is stale
                self._answers.clear()
                self._bytes = 0
                self._token = token
                return None
            hit = self._answers.get(key)
            if hit is not None:
                self._answers.move_to_end(key)
            return hit

    def _put(self, key: _Key, token: Any, status: int, headers: list[tuple[bytes, bytes]], body: bytes) -> None:
        with self._lock:
            if token != self._token or len(body) > MAX_ANSWER_BYTES:
                return  # made under an older token (a newer one was read meanwhile), or too large
            old = self._answers.pop(key, None)
            if old is not None:
                self._bytes -= len(old[2])
            self._answers[key] = (status, headers, body)
            self._bytes += len(body)
            while len(self._answers) > MAX_ANSWERS or self._bytes > MAX_TOTAL_BYTES:
                _, dropped = self._answers.popitem(last=False)
                self._bytes -= len(dropped[2])

    def __len__(self) -> int:
        with self._lock:
            return len(self._answers)

    async def __call__(self, scope: Scope, receive: Receive, send: Send) -> None:
        if scope["type"] != "http" or scope.get("method") != "GET" or scope.get("path") not in self.paths:
            await self.app(scope, receive, send)
            return
        token = await self._read_token()
        if token is None:  # no reading of changes here: every answer is made afresh
            await self.app(scope, receive, send)
            return
        principal = scope.get("state", {}).get("principal", ANONYMOUS)
        sees_private = isinstance(principal, Principal) and principal.sees_private
        key: _Key = (scope["path"], bytes(scope.get("query_string", b"")), sees_private)
        hit = self._get(key, token)
        if hit is not None:
            status, headers, body = hit
            await send({"type": "http.response.start", "status": status, "headers": headers})
            await send({"type": "http.response.body", "body": body})
            return
        start: dict[str, Any] = {}
        chunks: list[bytes] = []
        size, keep, done = 0, True, False

        async def recording_send(message: Message) -> None:
            nonlocal size, keep, done
            if message["type"] == "http.response.start":
                start.update(message)
                headers = list(message.get("headers", []))
                if message.get("status") != 200 or any(k.lower() == b"set-cookie" for k, _ in headers):
                    keep = False
            elif message["type"] == "http.response.body" and keep:
                chunks.append(bytes(message.get("body", b"")))
                size += len(chunks[-1])
                done = not message.get("more_body", False)
                if size > MAX_ANSWER_BYTES:
                    keep, chunks[:] = False, []
            await send(message)

        await self.app(scope, receive, recording_send)
        if keep and done:
            self._put(key, token, int(start["status"]), list(start.get("headers", [])), b"".join(chunks))
