"""The core object every shell (CLI, web app, workers, demo) builds on.

``Presswatch`` holds the settings, the clock, the database and the archive. It does no I/O until a
stage asks for it, and :meth:`Presswatch.open` migrates the database to the newest schema.
"""

from __future__ import annotations

import functools
import logging
from pathlib import Path
from typing import TYPE_CHECKING

from presswatch.clock import Clock, SystemClock
from presswatch.record.db import Database
from presswatch.settings import Settings

if TYPE_CHECKING:
    from presswatch.archive.warc import WarcArchive

log = logging.getLogger(__name__)


class Presswatch:
    def __init__(self, settings: Settings, clock: Clock | None = None, db: Database | None = None) -> None:
        self.settings = settings
        self.clock: Clock = clock or SystemClock()
        self.db = db or Database(settings.db_url)

    @classmethod
    def open(cls, settings: Settings, clock: Clock | None = None, migrate: bool = True) -> Presswatch:
        settings.data.mkdir(parents=True, exist_ok=True)
        core = cls(settings, clock)
        if migrate:
            core.db.migrate()
        return core

    @property
    def data_dir(self) -> Path:
        return self.settings.data

    @functools.cached_property
    def archive(self) -> WarcArchive:
        from presswatch.archive.warc import WarcArchive

        archive = WarcArchive(self.settings.data, max_bytes=self.settings.warc_max_bytes)
        self.db.before_commit.append(archive.sync)
        return archive

    def close(self) -> None:
        self.db.close_writer()
        if "archive" in self.__dict__:
            self.archive.close()
        self.db.dispose()
