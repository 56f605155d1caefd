"""Paragraph- and word-level differences between two versions of an article."""

from __future__ import annotations

import difflib
from collections.abc import Sequence
from dataclasses import dataclass, field
from typing import Any

from .extract import Extracted
from .text import normalize_text

MAX_HUNKS = 50  # hunks kept in a summary (counts always cover everything)
MAX_HUNK_CHARS = 2000  # text kept per side of one hunk


@dataclass
class DiffSummary:
    """How a new version differs from the old one."""

    paragraphs_added: int
    paragraphs_removed: int
    words_added: int
    words_removed: int
    title_changed: bool
    hunks: list[dict[str, Any]] = field(default_factory=list)
    old_title: str | None = None
    new_title: str | None = None

    @property
    def changed(self) -> bool:
        return bool(self.title_changed or self.paragraphs_added or self.paragraphs_removed)

    def as_dict(self) -> dict[str, Any]:
        return {
            "paragraphs_added": self.paragraphs_added,
            "paragraphs_removed": self.paragraphs_removed,
            "words_added": self.words_added,
            "words_removed": self.words_removed,
            "title_changed": self.title_changed,
            "old_title": self.old_title,
            "new_title": self.new_title,
            "hunks": self.hunks,
        }


def _clip(paras: Sequence[str]) -> str:
    s = "\n".join(paras)
    return s if len(s) <= MAX_HUNK_CHARS else s[: MAX_HUNK_CHARS - 1] + "…"


def _word_changes(old: Sequence[str], new: Sequence[str]) -> tuple[int, int]:
    """Words added and removed between two paragraph runs."""
    a = " ".join(old).split()
    b = " ".join(new).split()
    if not a or not b:
        return len(b), len(a)
    sm = difflib.SequenceMatcher(None, a, b, autojunk=False)
    added = removed = 0
    for op, i1, i2, j1, j2 in sm.get_opcodes():
        if op != "equal":
            removed += i2 - i1
            added += j2 - j1
    return added, removed


def diff_texts(
    old_title: str | None, old_paragraphs: Sequence[str], new_title: str | None, new_paragraphs: Sequence[str]
) -> DiffSummary:
    """Diff two (title, paragraphs) versions; paragraphs are compared after normalization."""
    a = [normalize_text(p).replace("\n", " ") for p in old_paragraphs]
    b = [normalize_text(p).replace("\n", " ") for p in new_paragraphs]
    sm = difflib.SequenceMatcher(None, a, b, autojunk=False)
    p_add = p_rem = w_add = w_rem = 0
    hunks: list[dict[str, Any]] = []
    for op, i1, i2, j1, j2 in sm.get_opcodes():
        if op == "equal":
            continue
        p_rem += i2 - i1
        p_add += j2 - j1
        wa, wr = _word_changes(a[i1:i2], b[j1:j2])
        w_add += wa
        w_rem += wr
        if len(hunks) < MAX_HUNKS:
            hunks.append(
                {
                    "op": op,
                    "old_start": i1,
                    "old_end": i2,
                    "new_start": j1,
                    "new_end": j2,
                    "old": _clip(a[i1:i2]),
                    "new": _clip(b[j1:j2]),
                    "words_added": wa,
                    "words_removed": wr,
                }
            )
    ot = normalize_text(old_title or "") or None
    nt = normalize_text(new_title or "") or None
    return DiffSummary(p_add, p_rem, w_add, w_rem, ot != nt, hunks, ot, nt)


def diff_versions(old: Extracted | None, new: Extracted) -> DiffSummary:
    """Diff two extracted versions; ``old=None`` makes everything added."""
    if old is None:
        return diff_texts(None, (), new.title, new.paragraphs)
    return diff_texts(old.title, old.paragraphs, new.title, new.paragraphs)
