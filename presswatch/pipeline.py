"""The core loop: fetch → archive → analyze → record, for one watch at a time (many concurrently).

``Checker.check(watch_id)`` is the unit of work the CLI (`check`, `run`), the demo and Celery
workers all call. Its result is the stable JSON contract of ``presswatch check --json``.
"""

from __future__ import annotations

import asyncio
import logging
import multiprocessing
import random
import threading
from collections.abc import Callable, Sequence
from concurrent.futures import Executor, Future, ProcessPoolExecutor
from concurrent.futures.process import BrokenProcessPool
from dataclasses import dataclass, replace
from datetime import datetime, timedelta
from typing import Any
from urllib.parse import urlsplit

from sqlalchemy import Table, bindparam, func, select, update
from sqlalchemy.orm import Session

from presswatch.analyze import (
    Classification,
    Extracted,
    PageFacts,
    Prior,
    SiteProfile,
    classify,
    learn_profile,
    probe_urls,
)
from presswatch.analyze.decision import (
    BAD_STATUSES,
    OK_STATUSES,
    DecisionPolicy,
    FetchFacts,
    WatchPrior,
    WatchUpdate,
    carried,
    decide,
)
from presswatch.analyze.page import Page
from presswatch.archive.warc import CaptureRef, PriorPayload
from presswatch.core import Presswatch
from presswatch.errors import NotFound, PresswatchError
from presswatch.fetch.client import Fetcher, FetchResult
from presswatch.publish.rows import observation_json
from presswatch.record.db import StagedWrite, dialect_insert
from presswatch.record.events import NewEvent, add_events
from presswatch.record.ledger import Ledger
from presswatch.record.models import Capture, Event, Observation, Version, Watch, capture_row
from presswatch.record.models import SiteProfile as SiteProfileRow

__all__ = [
    "PROFILE_MAX_AGE",
    "SEEN_DIGESTS",
    "WORKER_START_TIMEOUT",
    "AnalysisFailed",
    "AnalysisPool",
    "analyze_page",
    "Checker",
    "WatchState",
    "store_profile",
]

log = logging.getLogger(__name__)

PROFILE_MAX_AGE = timedelta(days=7)
SEEN_DIGESTS = 20  # versions considered for A/B alternation


@dataclass
class WatchState:
    id: int
    url: str
    kind: str
    host: str
    status: str | None
    reason: str | None
    confirmed: bool
    etag: str | None
    last_modified: str | None
    last_payload_digest: str | None
    prior: Prior | None
    known_payloads: dict[str, PriorPayload]  # payload digest -> an earlier response record of this URL
    last_http_status: int | None
    last_title: str | None
    last_text_digest: str | None
    last_notice: str | None = None  # a removal notice's sentence, carried while the same page is served
    current_version_id: int | None = None


def _facts(res: FetchResult) -> PageFacts:
    return PageFacts(
        url=res.url,
        final_url=res.final_url,
        http_status=res.status,
        headers=res.headers(),
        body=res.body,
        redirects=tuple(res.redirects),
        error_reason=res.error_reason,
        not_modified=res.not_modified,
    )


def analyze_page(
    facts: PageFacts, prior: Prior | None, profile: SiteProfile | None
) -> tuple[Extracted | None, Classification]:
    """Extract and classify (CPU-bound: runs in a worker process during ``run``)."""
    page = Page(facts)  # the body is parsed once: extraction and classification share the tree
    extracted = None
    if facts.body and facts.error_reason is None and not facts.not_modified:
        extracted = page.extracted
    return extracted, classify(facts, extracted, prior, profile, page=page)


class AnalysisFailed(PresswatchError):
    """Analysing one page did not finish (deadline passed, or its worker died)."""

    def __init__(self, reason: str, message: str) -> None:
        super().__init__(message)
        self.reason = reason  # analysis-timeout | analysis-crashed


def _warm_worker() -> None:
    """Worker start-up: import the heavy modules once, and exit when the run that started us dies
    (a killed run leaves no workers behind)."""
    import os
    import time

    import presswatch.analyze  # noqa: F401

    parent = os.getppid()

    def watch_parent() -> None:
        while True:
            time.sleep(1.0)
            if os.getppid() != parent:
                os._exit(0)

    threading.Thread(target=watch_parent, name="presswatch-parent-watch", daemon=True).start()


def _worker_pid() -> int:
    import os
    import time

    time.sleep(0.05)  # long enough for each of the warm-up tasks to land on its own worker
    return os.getpid()


WORKER_START_TIMEOUT = 300.0  # seconds for fresh workers to start (not counted in the deadline)


class AnalysisPool(Executor):
    """Worker processes for CPU-bound analysis that a stuck task cannot stall.

    Workers are *spawned* (fresh interpreters, never forked), so they inherit no lock, thread or
    descriptor of this process whatever it holds when they start. :meth:`run` gives every task a
    deadline; a task past it gets its workers killed and replaced (tasks that were running beside
    it are retried on the new workers). At most one task per worker is submitted at a time, so the
    deadline measures the analysis, not the queue.
    """

    def __init__(self, workers: int) -> None:
        self.workers = max(1, workers)
        self._ctx = multiprocessing.get_context("spawn")
        self._lock = threading.Lock()
        self._gen = 0
        self._inner = self._new()
        self._slots: asyncio.Semaphore | None = None
        self._warm_gen = -1  # the generation whose workers are known to be up
        self._warming: asyncio.Lock | None = None
        self.restarts = 0

    def _new(self) -> ProcessPoolExecutor:
        return ProcessPoolExecutor(max_workers=self.workers, mp_context=self._ctx, initializer=_warm_worker)

    def submit(self, fn: Callable[..., Any], /, *args: Any, **kwargs: Any) -> Future[Any]:
        with self._lock:
            return self._inner.submit(fn, *args, **kwargs)

    def shutdown(self, wait: bool = True, *, cancel_futures: bool = False) -> None:
        """Stop the workers; ``wait`` gives each up to 10 s to finish its task, then kills what is
        left (a stuck worker never blocks the exit)."""
        with self._lock:
            inner = self._inner
        procs = list((getattr(inner, "_processes", None) or {}).values())
        inner.shutdown(wait=False, cancel_futures=cancel_futures)
        if wait:
            for proc in procs:
                proc.join(timeout=10)
        _kill(inner)

    def restart(self, gen: int) -> None:
        """Replace generation ``gen``'s workers (no-op if they were replaced already)."""
        with self._lock:
            if gen != self._gen:
                return
            old, self._inner = self._inner, self._new()
            self._gen += 1
            self.restarts += 1
        _kill(old)
        old.shutdown(wait=False, cancel_futures=True)

    async def _started(self) -> None:
        """Wait until the current workers are up, so their start-up is not charged to a deadline."""
        if self._warm_gen == self._gen:
            return
        if self._warming is None:
            self._warming = asyncio.Lock()
        async with self._warming:
            with self._lock:
                gen = self._gen
            if self._warm_gen == gen:
                return
            seen: set[int] = set()
            try:
                for _round in range(5):
                    with self._lock:
                        futs = [self._inner.submit(_worker_pid) for _ in range(self.workers)]
                    pids = await asyncio.wait_for(
                        asyncio.gather(*(asyncio.wrap_future(f) for f in futs)), WORKER_START_TIMEOUT
                    )
                    seen.update(pids)
                    if len(seen) >= self.workers:
                        break
            except (TimeoutError, BrokenProcessPool):
                self.restart(gen)
                raise AnalysisFailed("analysis-crashed", "analysis workers did not start") from None
            self._warm_gen = gen

    async def run(self, timeout: float, fn: Callable[..., Any], *args: Any) -> Any:
        """``fn(*args)`` in a worker, within ``timeout`` seconds of starting, or :class:`AnalysisFailed`."""
        if self._slots is None:
            self._slots = asyncio.Semaphore(self.workers)
        async with self._slots:
            for _attempt in range(3):
                await self._started()
                with self._lock:
                    gen, fut = self._gen, self._inner.submit(fn, *args)
                try:
                    return await asyncio.wait_for(asyncio.wrap_future(fut), timeout)
                except TimeoutError:
                    log.warning("analysis.timeout", extra={"fn": getattr(fn, "__name__", str(fn)), "timeout": timeout})
                    self.restart(gen)
                    raise AnalysisFailed("analysis-timeout", f"analysis took longer than {timeout:g} s") from None
                except BrokenProcessPool:
                    self.restart(gen)  # killed beside a stuck task (or crashed): retry on fresh workers
            raise AnalysisFailed("analysis-crashed", "analysis worker died three times")


def _kill(pool: ProcessPoolExecutor) -> None:
    for proc in list((getattr(pool, "_processes", None) or {}).values()):
        try:
            proc.kill()
        except (OSError, ValueError):  # already gone
            pass


def store_profile(s: Session, host: str, learned_at: datetime, data: dict[str, Any]) -> None:
    """Store a host's learned profile: an upsert, since workers in other processes (each with its
    own per-host lock) may learn the same host at the same time."""
    ins = dialect_insert(s, SiteProfileRow).values(host=host, learned_at=learned_at, profile=data)
    s.execute(ins.on_conflict_do_update(index_elements=["host"],
                                        set_={"learned_at": learned_at, "profile": data}))


class Checker:
    def __init__(self, core: Presswatch, fetcher: Fetcher, pool: Executor | None = None) -> None:
        self.core = core
        self.fetcher = fetcher
        self.pool = pool
        self._profile_locks: dict[str, asyncio.Lock] = {}
        self._profiles: dict[str, tuple[datetime, SiteProfile]] = {}  # host -> (learned, profile)

    async def _cpu(self, fn: Any, *args: Any) -> Any:
        """CPU-bound analysis: in the pool with a per-page deadline (inline without a pool; the
        analysis steps are bounded by construction, e.g. the diff's work budget)."""
        if self.pool is None:
            return fn(*args)
        if isinstance(self.pool, AnalysisPool):
            return await self.pool.run(self.core.settings.analysis_timeout, fn, *args)
        fut = asyncio.get_running_loop().run_in_executor(self.pool, fn, *args)
        try:
            return await asyncio.wait_for(fut, self.core.settings.analysis_timeout)
        except TimeoutError:
            raise AnalysisFailed("analysis-timeout", "analysis deadline passed") from None

    # -- state ----------------------------------------------------------------------------------
    def _load_state(self, watch_id: int) -> WatchState:
        got = self.load_states([watch_id])
        if watch_id not in got:
            raise NotFound(f"no watch {watch_id}")
        return got[watch_id]

    def load_states(self, ids: Sequence[int]) -> dict[int, WatchState]:
        """What checking each of these watches needs to know before fetching, in three queries
        (columns, not ORM objects: this runs for every check). Absent watches are left out.

        The current version is read without its text: an unchanged check (304, same payload) never
        reads it; the text and the recent digests are loaded only when the page is analysed.
        """
        out: dict[int, WatchState] = {}
        wanted = list(dict.fromkeys(ids))
        with self.core.db.session() as s:
            for i in range(0, len(wanted), 500):
                out.update(_load_chunk(s, wanted[i : i + 500]))
        return out

    def _full_prior(self, st: WatchState) -> Prior | None:
        """``st.prior`` with the current version's paragraphs and the recent versions' digests (what
        the analysis compares against)."""
        if st.prior is None or st.current_version_id is None:
            return st.prior
        with self.core.db.session() as s:
            row = s.execute(
                select(Version.plain_text, Version.text_z).where(Version.id == st.current_version_id)
            ).first()
            text = Version.stored_text(*row) if row is not None else ""
            seen = {
                d: c
                for d, c in s.execute(
                    select(Version.text_digest, Version.seen_count)
                    .where(Version.watch_id == st.id)
                    .order_by(Version.last_seen_at.desc())
                    .limit(SEEN_DIGESTS)
                ).all()
            }
        return replace(st.prior, paragraphs=tuple(p for p in text.split("\n\n") if p), seen_digests=seen)

    async def profile_for(self, url: str) -> SiteProfile | None:
        """The host's learned not-found/home profile, probing the site once if needed."""
        host = (urlsplit(url).hostname or "").lower()
        now = self.core.clock.now()
        hit = self._profiles.get(host)
        if hit and now - hit[0] < PROFILE_MAX_AGE:
            return hit[1]
        lock = self._profile_locks.setdefault(host, asyncio.Lock())
        async with lock:
            hit = self._profiles.get(host)
            if hit and now - hit[0] < PROFILE_MAX_AGE:
                return hit[1]

            def load() -> tuple[datetime, dict[str, Any]] | None:
                with self.core.db.session() as s:
                    row = s.scalar(select(SiteProfileRow).where(SiteProfileRow.host == host))
                    if row is not None and now - row.learned_at < PROFILE_MAX_AGE:
                        return row.learned_at, row.profile
                    return None

            stored = await asyncio.to_thread(load)
            learned = now
            if stored is not None:
                learned, prof = stored[0], SiteProfile.from_dict(stored[1])
            else:
                parts = urlsplit(url)
                home_url = f"{parts.scheme}://{parts.netloc}/"
                rng = random.Random(hash((host, now.isoformat())))
                targets = [home_url, *probe_urls(url, rng)]
                results = await asyncio.gather(*(self.fetcher.fetch(t) for t in targets))
                facts = [_facts(r) for r in results]
                prof = await self._cpu(learn_profile, facts[0], facts[1:])
                data = prof.to_dict()

                await asyncio.to_thread(self.core.db.write, lambda s: store_profile(s, host, now, data))
            self._profiles[host] = (learned, prof)
            return prof

    # -- the check ------------------------------------------------------------------------------
    async def check(self, watch_id: int, state: WatchState | None = None) -> dict[str, Any]:
        """Check one watch; ``state``: its :meth:`load_states` entry when the caller loaded it (in bulk)."""
        st = state if state is not None and state.id == watch_id else await asyncio.to_thread(self._load_state,
                                                                                              watch_id)
        conditional: dict[str, str] = {}
        if st.status in OK_STATUSES:
            if st.etag:
                conditional["If-None-Match"] = st.etag
            if st.last_modified:
                conditional["If-Modified-Since"] = st.last_modified
        res = await self.fetcher.fetch(st.url, conditional=conditional)
        checked_at = res.started_at
        vantage = self.core.settings.vantage

        # archive every hop (redirects included); dedup the final payload against the last capture
        captures: list[CaptureRef] = []
        plain = self.fetcher.plain_request_headers
        validated = st.known_payloads.get(st.last_payload_digest) if st.last_payload_digest and conditional else None
        for hop in res.hops:
            captures.append(
                await asyncio.to_thread(
                    self.core.archive.write_exchange,
                    hop.url,
                    request_headers=hop.request_headers,
                    http_status=hop.status,
                    http_reason=hop.reason,
                    response_headers=hop.response_headers,
                    body=hop.raw_body,
                    captured_at=hop.fetched_at,
                    ip=hop.ip,
                    vantage=vantage,
                    http_version=hop.http_version or "HTTP/1.1",
                    known=st.known_payloads,
                    not_modified=validated if hop is res.hops[-1] else None,
                    plain_request=plain,
                )
            )
        final_capture = captures[-1] if captures else None

        facts = _facts(res)
        same_payload = (
            final_capture is not None
            and res.error_reason is None
            and st.last_payload_digest == final_capture.payload_digest
            and st.status is not None
        )
        extracted: Extracted | None = None
        if res.not_modified and st.status is not None:
            cls = Classification(
                status="unchanged" if st.status in OK_STATUSES else st.status,
                reason=None if st.status in OK_STATUSES else st.reason,
                diff=None, details={"not_modified": True, **carried(st.status, st.last_notice)},
            )
        elif same_payload:
            cls = Classification(
                status="unchanged" if st.status in OK_STATUSES else (st.status or "unchanged"),
                reason=None if st.status in OK_STATUSES else st.reason,
                diff=None, details={"same_payload": True, **carried(st.status, st.last_notice)},
            )
        else:
            try:
                profile = None
                if res.error_reason is None and res.body is not None:
                    profile = await self.profile_for(st.url)
                prior = await asyncio.to_thread(self._full_prior, st)
                extracted, cls = await self._cpu(analyze_page, facts, prior, profile)
            except AnalysisFailed as exc:
                # recorded (the captures are kept) and retried soon; the watch's state is not touched
                return await self.core.db.write_async(self._failure_recorder(st, res, captures, exc, checked_at))

        record = self._recorder(st, res, captures, extracted, cls, checked_at)
        record.requisites = await self._requisites(res, final_capture,
                                                   new_body=not same_payload and not res.not_modified)
        return await self.core.db.write_async(record)

    async def _requisites(self, res: FetchResult, page: CaptureRef | None, *, new_body: bool) -> list[CaptureRef]:
        """Archive a new page body's images, stylesheets and fonts (``Settings.capture_requisites``)."""
        from presswatch.fetch.requisites import capture_requisites, wants_requisites

        settings = self.core.settings
        if page is None or res.body is None or res.error_reason is not None or not wants_requisites(
                enabled=settings.capture_requisites, http_status=res.status, content_type=res.headers().get(
                    "content-type"), record_type=page.record_type, new_body=new_body):
            return []

        def known(url: str) -> dict[str, PriorPayload]:
            with self.core.db.session() as s:
                return {c.payload_digest: PriorPayload(c.url, c.captured_at, c.record_id) for c in s.scalars(
                    select(Capture).where(Capture.url == url, Capture.record_type == "response")
                    .order_by(Capture.id.desc()).limit(SEEN_DIGESTS))}

        since = self.core.clock.now() - timedelta(seconds=settings.requisites_refresh)

        def fresh(urls: list[str]) -> set[str]:
            with self.core.db.session() as s:
                return {u for i in range(0, len(urls), 500) for u in s.scalars(
                    select(Capture.url).where(Capture.url.in_(urls[i:i + 500]), Capture.captured_at >= since,
                                              Capture.http_status == 200).distinct())}

        return await capture_requisites(
            self.fetcher, self.core.archive, page_url=res.final_url or res.url, body=res.body,
            page_record_id=page.record_id, vantage=settings.vantage, max_count=settings.requisites_max,
            max_bytes=settings.requisites_max_bytes, known=known,
            fresh=fresh if settings.requisites_refresh > 0 else None)

    def _failure_recorder(
        self, st: WatchState, res: FetchResult, captures: list[CaptureRef], exc: AnalysisFailed, checked_at: datetime
    ) -> Callable[[Session], dict[str, Any]]:
        """The write transaction recording a check whose analysis failed: an ``error`` observation
        (with the captures), no event, the watch's state and validators left as they were (so the
        retry fetches and analyses again), and a re-check after ``analysis_retry`` seconds."""
        settings = self.core.settings
        now = self.core.clock.now()

        def fn(s: Session) -> dict[str, Any]:
            w = s.get(Watch, st.id)
            assert w is not None
            rows = [capture_row(s, ref, settings.vantage) for ref in captures]
            final = rows[-1] if rows else None
            obs = Observation(
                watch_id=w.id, url=w.url, checked_at=checked_at, vantage=settings.vantage,
                status="error", reason=exc.reason, confirmed=False, http_status=res.status,
                final_url=res.final_url, title=None, text_digest=None, capture=final,
                version_id=None, diff=None, error=str(exc),
                details={"analysis_failed": exc.reason, "elapsed": round(res.elapsed, 4), "redirects": res.redirects},
            )
            s.add(obs)
            w.last_checked_at = checked_at
            w.next_check_at = now + timedelta(seconds=settings.analysis_retry)
            s.flush()
            out = observation_json(obs, final)
            _ledger_append(self.core, s, obs, out, [], rows)
            log.warning("check.analysis_failed", extra={"url": w.url, "reason": exc.reason, "error": str(exc)})
            return out

        return fn

    def _recorder(
        self,
        st: WatchState,
        res: FetchResult,
        captures: list[CaptureRef],
        extracted: Extracted | None,
        cls: Classification,
        checked_at: datetime,
    ) -> _Recording:
        """The write transaction recording one check (run by the database writer, batched with others)."""
        settings = self.core.settings
        policy = DecisionPolicy(confirm_checks=settings.confirm_checks, confirm_min_hours=settings.confirm_min_hours,
                                default_interval=settings.default_interval)
        fetch = FetchFacts(
            http_status=res.status, final_url=res.final_url, error=res.error, error_reason=res.error_reason,
            elapsed=res.elapsed, redirects=tuple(res.redirects), has_response=res.final is not None,
            etag=res.final.header("etag") if res.final is not None else None,
            last_modified=res.final.header("last-modified") if res.final is not None else None,
            payload_digest=captures[-1].payload_digest if captures else None,
        )  # fmt: skip
        return _Recording(self.core, st, captures, extracted, cls, fetch, policy, checked_at, self.core.clock.now())


class _Recording(StagedWrite[dict[str, Any]]):
    """Record one check: read the watch's prior state, let :func:`~presswatch.analyze.decision.decide`
    decide, write that (captures, version, observation, events, watch) and append it to the evidence log.

    The database writer stages many recordings together and flushes them once (:class:`StagedWrite`).
    """

    def __init__(self, core: Presswatch, st: WatchState, captures: list[CaptureRef], extracted: Extracted | None,
                 cls: Classification, fetch: FetchFacts, policy: DecisionPolicy, checked_at: datetime,
                 now: datetime) -> None:
        self.core, self.st, self.captures, self.extracted, self.cls = core, st, captures, extracted, cls
        self.fetch, self.policy, self.checked_at, self.now = fetch, policy, checked_at, now
        self.key = st.id
        self.requisites: list[CaptureRef] = []
        self._sighted: int | None = None
        self._watch: Watch | None = None
        self.version: Version | None = None
        self._referred: dict[tuple[str, str], int] | None = None

    @classmethod
    def preload(cls, s: Session, writes: Sequence[StagedWrite[Any]]) -> None:
        """The group's watches and the captures its revisits refer to, in two queries."""
        recs = [w for w in writes if isinstance(w, _Recording)]
        if len(recs) < 2:
            return
        watches = {w.id: w for w in s.scalars(select(Watch).where(Watch.id.in_([r.st.id for r in recs])))}
        pairs = {(ref.payload_digest, ref.refers_to) for r in recs for ref in r.captures
                 if ref.record_type == "revisit" and ref.refers_to}
        referred: dict[tuple[str, str], int] = {}
        wanted = sorted(pairs)
        for i in range(0, len(wanted), 250):
            part = wanted[i:i + 250]
            for cid, digest, rid in s.execute(
                select(Capture.id, Capture.payload_digest, Capture.record_id)
                .where(Capture.payload_digest.in_({d for d, _ in part}), Capture.record_id.in_({r for _, r in part}))
                .order_by(Capture.id.desc())
            ):
                referred.setdefault((digest, rid), cid)
        for r in recs:
            r._watch = watches.get(r.st.id)  # held here: the identity map alone keeps no row alive
            r._referred = referred

    def stage(self, s: Session) -> None:
        st, cls, fetch, policy, checked_at, extracted = (self.st, self.cls, self.fetch, self.policy,
                                                          self.checked_at, self.extracted)
        vantage = self.core.settings.vantage
        w = self._watch if self._watch is not None else s.get(Watch, st.id)
        assert w is not None
        self.rows = rows = [capture_row(s, ref, vantage, self._referred) for ref in self.captures]
        self.final = final = rows[-1] if rows else None
        recent: tuple[tuple[str, datetime], ...] = ()
        if cls.status in BAD_STATUSES:
            recent = tuple((status, at) for status, at in s.execute(
                select(Observation.status, Observation.checked_at)
                .where(Observation.watch_id == w.id, Observation.status != "error")  # failed analyses say nothing
                .order_by(Observation.id.desc())
                .limit(max(1, policy.confirm_policy().runs - 1))
            ).all())
        prior = WatchPrior(
            kind=w.kind, url=w.url, status=w.status, reason=w.reason, confirmed=w.confirmed,
            created_at=w.created_at, interval=w.interval, last_change_at=w.last_change_at,
            priority_until=w.priority_until, current_version_id=w.current_version_id,
            last_title=st.last_title, last_text_digest=st.last_text_digest, recent=recent,
        )
        self.decision = d = decide(prior, cls, fetch, extracted, policy, checked_at, self.now)

        # versions (distinct extracted texts)
        version_id = w.current_version_id
        self._sighted = None
        if d.record_version and extracted is not None:
            v = s.scalar(
                select(Version).where(Version.watch_id == w.id, Version.text_digest == extracted.text_digest)
            )
            if v is None:
                if final is not None and final.id is None:
                    s.flush()  # the capture's id, for the version
                v = Version(
                    watch_id=w.id, text_digest=extracted.text_digest, title=extracted.title,
                    text="\n\n".join(extracted.paragraphs),
                    meta={**{k: str(x) for k, x in extracted.meta.items() if x is not None},
                          "page_words": extracted.page_words, "fingerprint": list(extracted.fingerprint)},
                    first_seen_at=checked_at, last_seen_at=checked_at, seen_count=1,
                    capture_id=final.id if final else None,
                )
                s.add(v)
                s.flush()  # its id, for the observation and the watch
            else:
                v.last_seen_at, v.seen_count = checked_at, v.seen_count + 1
            version_id = v.id
            self.version = v  # held: a clean row the identity map alone would let go (then read back)
        elif d.touch_current_version and w.current_version_id:
            self._sighted = w.current_version_id  # after the flush, for the whole group at once

        self.obs = obs = Observation(
            watch_id=w.id, url=w.url, checked_at=checked_at, vantage=vantage,
            status=d.status, reason=d.reason, confirmed=d.confirmed, http_status=fetch.http_status,
            final_url=fetch.final_url, title=d.title, text_digest=d.text_digest,
            capture=final, version_id=version_id, diff=d.diff, error=fetch.error, details=d.details,
        )
        s.add(obs)
        self.events = add_events(s, (
            NewEvent(kind=e.kind, at=checked_at, status=e.status, reason=e.reason, summary=e.summary,
                     details=e.details, watch_id=w.id, observation=obs)
            for e in d.events
        ), now=self.now)  # fmt: skip
        _apply_update(w, d.watch, version_id)
        self.watch_url = w.url
        for ref in self.requisites:  # the page's requisites, indexed in the same transaction
            capture_row(s, ref, vantage)

    @classmethod
    def after_flush(cls, s: Session, writes: Sequence[StagedWrite[Any]]) -> None:
        # sightings of the current version (columns the log leaves out), without loading the rows
        sighted = [{"vid": w._sighted, "at": w.checked_at} for w in writes
                   if isinstance(w, _Recording) and w._sighted is not None]
        if sighted:
            table = Version.__table__
            assert isinstance(table, Table)
            s.connection().execute(
                update(table).where(table.c.id == bindparam("vid"))
                .values(last_seen_at=bindparam("at"), seen_count=table.c.seen_count + 1), sighted)

    def finish(self, s: Session) -> dict[str, Any]:
        obs, d = self.obs, self.decision
        out = observation_json(obs, self.final)
        _ledger_append(self.core, s, obs, out, self.events, self.rows, flushed=True)
        log.info("check", extra={"url": self.watch_url, "status": obs.status, "reason": obs.reason,
                                 "confirmed": d.confirmed, "http_status": self.fetch.http_status,
                                 "elapsed": round(self.fetch.elapsed, 4), "events": [e.kind for e in self.events]})
        return out


def _load_chunk(s: Session, ids: list[int]) -> dict[int, WatchState]:
    """The states of the watches ``ids`` (see :meth:`Checker.load_states`)."""
    watches = s.execute(
        select(Watch.id, Watch.url, Watch.kind, Watch.host, Watch.status, Watch.reason, Watch.current_version_id,
               Watch.confirmed, Watch.etag, Watch.last_modified, Watch.last_payload_digest,
               Version.title, Version.text_digest, Version.meta)
        .outerjoin(Version, Version.id == Watch.current_version_id)
        .where(Watch.id.in_(ids))
    ).all()
    if not watches:
        return {}
    latest = select(func.max(Observation.id)).where(Observation.watch_id.in_(ids)).group_by(Observation.watch_id)
    last_obs = {
        wid: (status, title, digest, details)
        for wid, status, title, digest, details in s.execute(
            select(Observation.watch_id, Observation.http_status, Observation.title, Observation.text_digest,
                   Observation.details).where(Observation.id.in_(latest))
        )
    }
    # earlier payloads of each URL (newest first): an identical payload becomes a revisit record
    rank = func.row_number().over(partition_by=Capture.url, order_by=Capture.id.desc()).label("rank")
    recent = (
        select(Capture.url, Capture.captured_at, Capture.record_id, Capture.payload_digest, Capture.id, rank)
        .where(Capture.url.in_({w.url for w in watches}), Capture.record_type == "response")
        .subquery()
    )
    known: dict[str, dict[str, PriorPayload]] = {}
    for url, at, rid, digest in s.execute(
        select(recent.c.url, recent.c.captured_at, recent.c.record_id, recent.c.payload_digest)
        .where(recent.c.rank <= SEEN_DIGESTS).order_by(recent.c.url, recent.c.id.desc())
    ):
        known.setdefault(url, {}).setdefault(digest, PriorPayload(url, at, rid, digest))
    out: dict[int, WatchState] = {}
    for w in watches:
        prior = None
        if w.current_version_id is not None and w.text_digest is not None:
            meta = w.meta or {}
            prior = Prior(
                title=w.title, paragraphs=(), text_digest=w.text_digest, page_words=int(meta.get("page_words", 0)),
                fingerprint=tuple(meta.get("fingerprint", ())), seen_digests={}, last_digest=w.text_digest,
            )
        last = last_obs.get(w.id)
        out[w.id] = WatchState(
            id=w.id, url=w.url, kind=w.kind, host=w.host, status=w.status, reason=w.reason,
            current_version_id=w.current_version_id,
            confirmed=w.confirmed, etag=w.etag, last_modified=w.last_modified,
            last_payload_digest=w.last_payload_digest, prior=prior, known_payloads=known.get(w.url, {}),
            last_http_status=last[0] if last else None,
            last_title=last[1] if last else None,
            last_text_digest=last[2] if last else None,
            last_notice=(last[3] or {}).get("notice") if last else None,
        )
    return out

def _apply_update(w: Watch, u: WatchUpdate, version_id: int | None) -> None:
    """Write a decision's new watch state onto the row."""
    w.status, w.reason, w.confirmed = u.status, u.reason, u.confirmed
    w.last_checked_at = u.last_checked_at
    if u.set_validators:
        w.etag, w.last_modified = u.etag, u.last_modified
    elif u.clear_validators:
        w.etag = w.last_modified = None
    if u.last_payload_digest is not None:
        w.last_payload_digest = u.last_payload_digest
    if u.adopt_version and version_id:
        w.current_version_id = version_id
    w.last_change_at = u.last_change_at
    w.next_check_at = u.next_check_at


def _ledger_append(core: Presswatch, s: Session, obs: Observation, out: dict[str, Any],
                   events: list[Event], captures: list[Capture], *, flushed: bool = False) -> None:
    """Append the observation (and its events) to the evidence log in the same transaction.

    The entry commits to the observation row, the capture row of every hop (redirects too) and the
    version (extracted text) the observation names.
    """
    ledger = Ledger(core)
    rows = [f"capture:{c.id}" for c in captures] + ([f"version:{obs.version_id}"] if obs.version_id else [])
    ledger.append(s, "observation", {**out, "id": obs.id, "watch_id": obs.watch_id},
                  digests=[c.payload_digest for c in captures], ref=f"observation:{obs.id}", rows=rows,
                  flushed=flushed)
    ledger.append_events(s, events, flushed=flushed)
