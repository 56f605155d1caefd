"""What changed between two versions of an article, for people: paragraphs and words, bounded.

:func:`version_diff` compares two stored texts paragraph by paragraph, and words within a changed
paragraph, and returns a :class:`VersionDiff` that renders as JSON, a unified diff or HTML (the
terminal rendering lives in the CLI). Work is bounded for hostile input: paragraphs beyond
``MAX_WORDS_FOR_WORD_DIFF`` words are shown whole as removed/added instead of word by word.
"""

from __future__ import annotations

import difflib
import html
from dataclasses import dataclass, field
from typing import Any

__all__ = [
    "INTERNAL_META",
    "MAX_PARAGRAPHS",
    "MAX_WORDS_FOR_WORD_DIFF",
    "MIN_WORD_SIMILARITY",
    "Change",
    "paragraphs",
    "Side",
    "version_diff",
    "VersionDiff",
]

MAX_WORDS_FOR_WORD_DIFF = 1500
#: below this share of common words a changed paragraph is shown whole (removed + added), not word by word
MIN_WORD_SIMILARITY = 0.5
#: metadata the analysis keeps for itself (page size, boilerplate fingerprint): never shown as a change
INTERNAL_META = frozenset({"page_words", "fingerprint"})
MAX_PARAGRAPHS = 2000


def paragraphs(text: str | None) -> list[str]:
    """A stored version's paragraphs (blank-line separated; whitespace inside one is normalised)."""
    out = [" ".join(p.split()) for p in (text or "").split("\n\n")]
    return [p for p in out if p][:MAX_PARAGRAPHS]


@dataclass(frozen=True)
class Side:
    """One version: its number among the watch's versions, when seen, its capture and title."""

    number: int
    first_seen_at: str
    title: str | None
    capture: dict[str, Any] | None = None


@dataclass
class Change:
    """One hunk: ``op`` is ``insert``, ``delete`` or ``replace``; ``words`` holds word-level pieces
    ``(op, text)`` with op ``equal|insert|delete`` when the paragraphs were compared word by word."""

    op: str
    old: list[str]
    new: list[str]
    words: list[tuple[str, str]] | None = None
    context_before: str | None = None

    def as_dict(self) -> dict[str, Any]:
        return {"op": self.op, "old": self.old, "new": self.new,
                "words": [list(w) for w in self.words] if self.words is not None else None,
                "context_before": self.context_before}


@dataclass
class VersionDiff:
    old: Side
    new: Side
    changes: list[Change] = field(default_factory=list)
    meta_changes: dict[str, tuple[Any, Any]] = field(default_factory=dict)

    @property
    def title_changed(self) -> bool:
        return (self.old.title or "") != (self.new.title or "")

    def counts(self) -> dict[str, int]:
        words_added = words_removed = 0
        for c in self.changes:
            if c.words is not None:
                words_added += sum(len(t.split()) for op, t in c.words if op == "insert")
                words_removed += sum(len(t.split()) for op, t in c.words if op == "delete")
            else:
                words_added += sum(len(p.split()) for p in c.new)
                words_removed += sum(len(p.split()) for p in c.old)
        return {
            "paragraphs_added": sum(len(c.new) for c in self.changes),
            "paragraphs_removed": sum(len(c.old) for c in self.changes),
            "words_added": words_added,
            "words_removed": words_removed,
        }

    def as_dict(self) -> dict[str, Any]:
        return {
            "old": self.old.__dict__, "new": self.new.__dict__, "title_changed": self.title_changed,
            "meta_changes": {k: list(v) for k, v in self.meta_changes.items()},
            "counts": self.counts(), "changes": [c.as_dict() for c in self.changes],
        }

    def unified(self, context: int = 1) -> str:
        """A unified diff over paragraphs (one paragraph per line), with version headers."""
        head_old = f"version {self.old.number} ({self.old.first_seen_at})"
        head_new = f"version {self.new.number} ({self.new.first_seen_at})"
        lines = [f"--- {head_old}", f"+++ {head_new}"]
        if self.title_changed:
            lines += ["@@ headline @@", f"-{self.old.title or ''}", f"+{self.new.title or ''}"]
        for key, (a, b) in self.meta_changes.items():
            lines += [f"@@ {key} @@", f"-{a}", f"+{b}"]
        for c in self.changes:
            lines.append("@@ paragraphs @@")
            if c.context_before and context:
                lines.append(f" {c.context_before}")
            lines += [f"-{p}" for p in c.old] + [f"+{p}" for p in c.new]
        return "\n".join(lines) + "\n"

    def html(self) -> str:
        """A self-contained HTML fragment: <del>/<ins> within paragraphs; every text is escaped."""
        e = html.escape
        parts = [f'<div class="pw-diff"><p class="pw-sides">version {self.old.number} '
                 f"({e(self.old.first_seen_at)}) → version {self.new.number} ({e(self.new.first_seen_at)})</p>"]
        if self.title_changed:
            parts.append(f'<h2 class="pw-title"><del>{e(self.old.title or "")}</del> '
                         f'<ins>{e(self.new.title or "")}</ins></h2>')
        for key, (a, b) in self.meta_changes.items():
            parts.append(f'<p class="pw-meta">{e(key)}: <del>{e(str(a))}</del> <ins>{e(str(b))}</ins></p>')
        for c in self.changes:
            if c.words is not None:
                inner = "".join(
                    e(t) if op == "equal" else f"<{'ins' if op == 'insert' else 'del'}>{e(t)}"
                    f"</{'ins' if op == 'insert' else 'del'}>"
                    for op, t in c.words
                )
                parts.append(f'<p class="pw-changed">{inner}</p>')
            else:
                parts += [f'<p class="pw-removed"><del>{e(p)}</del></p>' for p in c.old]
                parts += [f'<p class="pw-added"><ins>{e(p)}</ins></p>' for p in c.new]
        parts.append("</div>")
        return "\n".join(parts)


def _words(old: str, new: str) -> list[tuple[str, str]] | None:
    a, b = old.split(), new.split()
    if len(a) > MAX_WORDS_FOR_WORD_DIFF or len(b) > MAX_WORDS_FOR_WORD_DIFF:
        return None
    pieces: list[tuple[str, str]] = []
    sm = difflib.SequenceMatcher(None, a, b, autojunk=False)
    if sm.ratio() < MIN_WORD_SIMILARITY:  # a rewritten paragraph: word pieces would only be noise
        return None
    for op, i1, i2, j1, j2 in sm.get_opcodes():
        if op == "equal":
            pieces.append(("equal", " ".join(a[i1:i2])))
        else:
            if i2 > i1:
                pieces.append(("delete", " ".join(a[i1:i2])))
            if j2 > j1:
                pieces.append(("insert", " ".join(b[j1:j2])))
    return pieces


def version_diff(
    old_text: str | None,
    new_text: str | None,
    old: Side,
    new: Side,
    *,
    old_meta: dict[str, Any] | None = None,
    new_meta: dict[str, Any] | None = None,
) -> VersionDiff:
    """Compare two versions' texts (and their metadata: author, dates, …)."""
    a, b = paragraphs(old_text), paragraphs(new_text)
    result = VersionDiff(old=old, new=new)
    om, nm = old_meta or {}, new_meta or {}
    for key in sorted((set(om) | set(nm)) - INTERNAL_META):
        if om.get(key) != nm.get(key) and isinstance(om.get(key, ""), str | int | float | type(None)):
            result.meta_changes[key] = (om.get(key), nm.get(key))
    sm = difflib.SequenceMatcher(None, a, b, autojunk=False)
    for op, i1, i2, j1, j2 in sm.get_opcodes():
        if op == "equal":
            continue
        before = a[i1 - 1] if i1 > 0 else None
        if op == "replace" and i2 - i1 == j2 - j1:
            for k in range(i2 - i1):  # paragraph-for-paragraph: words within each
                words = _words(a[i1 + k], b[j1 + k])
                result.changes.append(Change("replace", [a[i1 + k]], [b[j1 + k]], words, before))
                before = None
        else:
            result.changes.append(Change(op, a[i1:i2], b[j1:j2], None, before))
    return result
