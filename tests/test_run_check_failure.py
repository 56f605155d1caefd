"""A check that fails unexpectedly (here: the database refuses its write) never aborts the others
of its pass, loses nothing, and is checked again on the next pass."""

from __future__ import annotations

import asyncio

from sqlalchemy import select, text

from presswatch.record.ledger import Ledger
from presswatch.record.models import Observation, Watch


def test_one_failing_check_leaves_the_others_recorded_and_stays_due(core, simsite) -> None:  # type: ignore[no-untyped-def]
    urls = simsite.article_urls()[:4]
    ids = [core.watch(u) for u in urls]
    bad = urls[1]
    core.db.write(lambda s: s.execute(text(
        "CREATE TRIGGER refuse_capture BEFORE INSERT ON capture WHEN NEW.url = :u "
        "BEGIN SELECT RAISE(ABORT, 'refused by test'); END".replace(":u", "'" + bad + "'"))))

    stats = asyncio.run(core.run_pass())
    assert stats.checked == 3 and stats.errors == 1
    with core.db.session() as s:
        seen = dict(s.execute(select(Observation.watch_id, Observation.status)).all())
        due_bad = s.scalar(select(Watch.next_check_at).where(Watch.url == bad))
    assert seen == {i: "new" for u, i in zip(urls, ids, strict=True) if u != bad}
    assert due_bad is not None and due_bad.replace(tzinfo=None) <= core.clock.now().replace(tzinfo=None)

    core.db.write(lambda s: s.execute(text("DROP TRIGGER refuse_capture")))
    again = asyncio.run(core.run_pass())
    assert again.checked == 1 and again.errors == 0  # only the failed one was still due
    with core.db.session() as s:
        statuses = s.execute(select(Observation.watch_id, Observation.status)).all()
    assert sorted(statuses) == sorted((i, "new") for i in ids)
    report = Ledger(core).verify_store()  # the failed check's unreferenced WARC records harm nothing
    assert report.ok, report.failures
