"""The diff is bounded: hostile versions (many short runs of distinct words) never make
``difflib`` compare more than a fixed number of pairs, and the counts stay right."""

from __future__ import annotations

import difflib
import random

import pytest

from presswatch.analyze import diff as diffmod
from presswatch.analyze.diff import diff_texts

DIFF_BUDGET = 4_000_000  # pairs difflib may compare in one diff (presswatch.analyze.diff.DIFF_BUDGET)


def hostile(paragraphs: int, version: int, words: int = 12) -> list[str]:
    return [" ".join([f"w{i * words + j}" for j in range(words)] + [f"rev{version}n{i}"]) for i in range(paragraphs)]


@pytest.fixture
def compared(monkeypatch: pytest.MonkeyPatch) -> list[int]:
    """Pairs each SequenceMatcher in the diff module was asked to compare."""
    seen: list[int] = []
    real = difflib.SequenceMatcher

    def counting(isjunk, a, b, autojunk=True):  # type: ignore[no-untyped-def]
        seen.append(len(a) * len(b))
        return real(isjunk, a, b, autojunk=autojunk)

    monkeypatch.setattr(diffmod.difflib, "SequenceMatcher", counting)
    return seen


@pytest.mark.parametrize("paragraphs", [4000, 20000])
def test_hostile_edit_is_bounded_and_counted(compared: list[int], paragraphs: int) -> None:
    d = diff_texts("t", hostile(paragraphs, 1), "t", hostile(paragraphs, 2))
    assert sum(compared) <= DIFF_BUDGET
    assert (d.words_added, d.words_removed) == (paragraphs, paragraphs)  # one word per paragraph
    assert (d.paragraphs_added, d.paragraphs_removed) == (paragraphs, paragraphs)
    assert d.changed


def test_one_huge_paragraph_reordered_is_bounded(compared: list[int]) -> None:
    n = 60_000
    a = [f"w{i}" for i in range(n)]
    b = [x for i in range(n // 2) for x in (a[n // 2 + i], a[i])]  # quadratic for difflib
    d = diff_texts("t", [" ".join(a)], "t", [" ".join(b)])
    assert sum(compared) <= DIFF_BUDGET
    assert d.words_added == d.words_removed and 0 < d.words_added <= n


def test_small_diffs_are_exactly_difflib() -> None:
    rng = random.Random(5)
    vocab = [f"v{i}" for i in range(40)]
    for _ in range(50):
        a = [" ".join(rng.choices(vocab, k=rng.randint(1, 20))) for _ in range(rng.randint(0, 12))]
        b = [p if rng.random() < 0.6 else " ".join(rng.choices(vocab, k=rng.randint(1, 20))) for p in a]
        b += [" ".join(rng.choices(vocab, k=5)) for _ in range(rng.randint(0, 3))]
        d = diff_texts("t", a, "t", b)
        sm = difflib.SequenceMatcher(None, a, b, autojunk=False)
        want = [op for op in sm.get_opcodes() if op[0] != "equal"]
        assert [(h["op"], h["old_start"], h["old_end"], h["new_start"], h["new_end"]) for h in d.hunks] == want
        assert not d.approximate


def test_large_but_ordinary_edit_keeps_alignment() -> None:
    paras = [f"paragraph {i} " + " ".join(f"w{i}x{j}" for j in range(30)) for i in range(3000)]
    new = list(paras)
    new[1500] = "a wholly new paragraph"
    del new[10]
    d = diff_texts("t", paras, "t", new)
    assert (d.paragraphs_added, d.paragraphs_removed) == (1, 2)
    assert (d.words_removed, d.words_added) == (32 + 31, 3)  # "paragraph" stays in the replaced one
