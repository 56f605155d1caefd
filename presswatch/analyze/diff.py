"""Paragraph- and word-level differences between two versions of an article."""

from __future__ import annotations

import bisect
import difflib
from collections import Counter
from collections.abc import Hashable, Sequence
from dataclasses import dataclass, field
from typing import Any

from presswatch.analyze.extract import Extracted
from presswatch.analyze.text import normalize_text

__all__ = ["DIFF_BUDGET", "MAX_HUNK_CHARS", "MAX_HUNKS", "diff_texts", "diff_versions", "DiffSummary", "Opcode"]

MAX_HUNKS = 50  # hunks kept in a summary (counts always cover everything)
MAX_HUNK_CHARS = 2000  # text kept per side of one hunk
# difflib's SequenceMatcher is quadratic (or worse) on hostile inputs: many distinct tokens in many
# short matching runs made one 60 KB page take minutes. Every diff gets a work budget counted in
# compared pairs (len(a) * len(b) per SequenceMatcher); larger inputs are first cut at a common
# prefix/suffix and at anchors (items unique to both sides, in order: a patience diff, n log n),
# and what still does not fit the budget is counted as a multiset difference (linear).
DIFF_BUDGET = 4_000_000  # compared pairs per diff_texts call (paragraph and word level together)
Opcode = tuple[str, int, int, int, int]


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
    approximate: bool = False  # part of it too large to align: counted as a multiset difference

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
            **({"approximate": True} if self.approximate else {}),
        }


def _clip(paras: Sequence[str]) -> str:
    s = "\n".join(paras)
    return s if len(s) <= MAX_HUNK_CHARS else s[: MAX_HUNK_CHARS - 1] + "…"


class _Budget:
    """Pairs SequenceMatcher may still compare in this diff."""

    def __init__(self, pairs: int = DIFF_BUDGET) -> None:
        self.pairs = pairs
        self.exhausted = False  # set once some part was counted approximately

    def take(self, n: int, m: int) -> bool:
        if n * m <= self.pairs:
            self.pairs -= n * m
            return True
        return False


def _anchors(a: Sequence[Hashable], b: Sequence[Hashable]) -> list[tuple[int, int]]:
    """Positions (i, j) of items occurring exactly once on each side, longest increasing run in both."""
    ca, cb = Counter(a), Counter(b)
    where_b = {x: j for j, x in enumerate(b) if cb[x] == 1}
    pairs = [(i, where_b[x]) for i, x in enumerate(a) if ca[x] == 1 and x in where_b]
    # longest increasing subsequence of j (pairs are sorted by i): patience sorting
    tails: list[int] = []  # j of the smallest tail of an increasing run of each length
    tail_at: list[int] = []  # index into pairs of that tail
    back = [-1] * len(pairs)
    for k, (_, j) in enumerate(pairs):
        pos = bisect.bisect_left(tails, j)
        if pos == len(tails):
            tails.append(j)
            tail_at.append(k)
        else:
            tails[pos], tail_at[pos] = j, k
        back[k] = tail_at[pos - 1] if pos else -1
    out: list[tuple[int, int]] = []
    k = tail_at[-1] if tail_at else -1
    while k >= 0:
        out.append(pairs[k])
        k = back[k]
    return out[::-1]


def _opcodes(a: Sequence[Hashable], b: Sequence[Hashable], budget: _Budget) -> list[Opcode]:
    """difflib-style opcodes within the budget (exact difflib output when the inputs fit it)."""
    if budget.take(len(a), len(b)):
        return list(difflib.SequenceMatcher(None, a, b, autojunk=False).get_opcodes())
    ops: list[Opcode] = []
    lo, n, m = 0, len(a), len(b)
    while lo < n and lo < m and a[lo] == b[lo]:
        lo += 1
    hi_a, hi_b = n, m
    while hi_a > lo and hi_b > lo and a[hi_a - 1] == b[hi_b - 1]:
        hi_a, hi_b = hi_a - 1, hi_b - 1
    if lo:
        ops.append(("equal", 0, lo, 0, lo))
    i, j = lo, lo
    for ai, bj in [*((lo + x, lo + y) for x, y in _anchors(a[lo:hi_a], b[lo:hi_b])), (hi_a, hi_b)]:
        if ai > i or bj > j:  # the gap before this anchor
            ga, gb = a[i:ai], b[j:bj]
            if not ga or not gb:
                ops.append(("delete" if ga else "insert", i, ai, j, bj))
            elif len(ga) * len(gb) <= budget.pairs:
                ops.extend((op, i + i1, i + i2, j + j1, j + j2) for op, i1, i2, j1, j2 in _opcodes(ga, gb, budget))
            else:
                budget.exhausted = True
                ops.append(("approx", i, ai, j, bj))  # a replace too large to align
        if ai < hi_a:
            ops.append(("equal", ai, ai + 1, bj, bj + 1))
        i, j = ai + 1, bj + 1
    if hi_a < n:
        ops.append(("equal", hi_a, n, hi_b, m))
    return _merge(ops)


def _merge(ops: list[Opcode]) -> list[Opcode]:
    """Join adjacent opcodes of the same kind (anchors are single items)."""
    out: list[Opcode] = []
    for op in ops:
        if out and out[-1][0] == op[0] and out[-1][2] == op[1] and out[-1][4] == op[3]:
            p = out[-1]
            out[-1] = (p[0], p[1], op[2], p[3], op[4])
        else:
            out.append(op)
    return out


def _word_changes(old: Sequence[str], new: Sequence[str], budget: _Budget | None = None) -> tuple[int, int]:
    """Words added and removed between two paragraph runs."""
    a = " ".join(old).split()
    b = " ".join(new).split()
    if not a or not b:
        return len(b), len(a)
    budget = budget or _Budget()
    added = removed = 0
    for op, i1, i2, j1, j2 in _opcodes(a, b, budget):
        if op == "equal":
            continue
        if op == "approx":
            wa, wr = _multiset_changes(a[i1:i2], b[j1:j2])
            added, removed = added + wa, removed + wr
            continue
        removed += i2 - i1
        added += j2 - j1
    return added, removed


def _multiset_changes(a: Sequence[Hashable], b: Sequence[Hashable]) -> tuple[int, int]:
    """Items added and removed counted as a multiset difference (linear; ignores order)."""
    ca, cb = Counter(a), Counter(b)
    return sum((cb - ca).values()), sum((ca - cb).values())


def diff_texts(
    old_title: str | None, old_paragraphs: Sequence[str], new_title: str | None, new_paragraphs: Sequence[str]
) -> DiffSummary:
    """Diff two (title, paragraphs) versions; paragraphs are compared after normalization."""
    a = [normalize_text(p).replace("\n", " ") for p in old_paragraphs]
    b = [normalize_text(p).replace("\n", " ") for p in new_paragraphs]
    budget = _Budget()
    p_add = p_rem = w_add = w_rem = 0
    hunks: list[dict[str, Any]] = []
    for op, i1, i2, j1, j2 in _opcodes(a, b, budget):
        if op == "equal":
            continue
        if op == "approx":
            pa, pr = _multiset_changes(a[i1:i2], b[j1:j2])
            op = "replace"
        else:
            pa, pr = j2 - j1, i2 - i1
        p_rem += pr
        p_add += pa
        wa, wr = _word_changes(a[i1:i2], b[j1:j2], budget)
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
    return DiffSummary(p_add, p_rem, w_add, w_rem, ot != nt, hunks, ot, nt, approximate=budget.exhausted)


def diff_versions(old: Extracted | None, new: Extracted) -> DiffSummary:
    """Diff two extracted versions; ``old=None`` makes everything added."""
    if old is None:
        return diff_texts(None, (), new.title, new.paragraphs)
    return diff_texts(old.title, old.paragraphs, new.title, new.paragraphs)
