"""Extracted texts are stored compressed (migration 0011); rows stored plain before it read the same,
are never rewritten, and the evidence log verifies over both."""

from __future__ import annotations

import asyncio
from datetime import UTC, datetime

from sqlalchemy import select, text, update

from presswatch.core import Presswatch
from presswatch.record.ledger import Ledger
from presswatch.record.models import Version, Watch
from presswatch.settings import Settings

NOW = datetime(2026, 3, 1, tzinfo=UTC)
TEXT = "Первый абзац о бюджете.\n\nSecond paragraph about the bridge. " * 40


def test_text_is_stored_compressed_and_plain_rows_still_read(tmp_path, db_url) -> None:  # type: ignore[no-untyped-def]
    core = Presswatch.open(Settings(data=tmp_path / "data", db=db_url))
    try:
        def add(s):  # type: ignore[no-untyped-def]
            w = Watch(url="http://news.example/a", host="news.example", created_at=NOW, next_check_at=NOW)
            s.add(w)
            s.flush()
            s.add(Version(watch_id=w.id, text_digest="sha256:new", title="t", text=TEXT, meta={},
                          first_seen_at=NOW, last_seen_at=NOW))
            s.add(Version(watch_id=w.id, text_digest="sha256:old", title="t", plain_text="an old plain text",
                          meta={}, first_seen_at=NOW, last_seen_at=NOW))

        core.db.write(add)
        with core.db.session() as s:
            new = s.scalar(select(Version).where(Version.text_digest == "sha256:new"))
            old = s.scalar(select(Version).where(Version.text_digest == "sha256:old"))
            assert new is not None and old is not None
            assert new.text == TEXT and new.plain_text == "" and new.text_z is not None
            assert len(new.text_z) * 5 < len(TEXT.encode())
            assert old.text == "an old plain text" and old.text_z is None
            stored = s.execute(text("SELECT text FROM version WHERE text_digest = 'sha256:new'")).scalar()
            assert stored == ""
    finally:
        core.close()


def test_checks_store_compressed_texts_that_verify(core, simsite) -> None:  # type: ignore[no-untyped-def]
    url = simsite.article_urls()[0]
    asyncio.run(core.check([url]))
    simsite.set_state(url.rsplit("/", 1)[1], "edit-paragraph", index=1)
    res = asyncio.run(core.check([url]))
    assert res[0]["status"] == "edited"  # the diff was computed against the compressed prior text
    with core.db.session() as s:
        versions = list(s.scalars(select(Version)))
    assert len(versions) == 2 and all(v.text_z is not None and v.text for v in versions)
    assert Ledger(core).verify_store().ok
    # a changed compressed text is named by verify
    core.db.write(lambda s: s.execute(update(Version).where(Version.id == versions[0].id)
                                      .values(text_z=versions[1].text_z)))
    report = Ledger(core).verify_store()
    assert not report.ok and any("version" in f for f in report.failures)
