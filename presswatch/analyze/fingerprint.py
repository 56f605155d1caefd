"""Compact page sketches (bottom-k MinHash of word shingles) and set similarities."""

from __future__ import annotations

import hashlib
import heapq
from collections.abc import Iterable, Sequence

from presswatch.analyze.thresholds import SHINGLE_WORDS, SKETCH_SIZE

__all__ = ["containment", "jaccard", "shingles", "sketch", "sketch_novelty", "sketch_similarity"]


def _h(s: str) -> int:
    # 48 bits: stable across processes and exact in JSON/JavaScript numbers
    return int.from_bytes(hashlib.blake2b(s.encode("utf-8", "surrogatepass"), digest_size=6).digest(), "big")


def shingles(tokens: Sequence[str], n: int = SHINGLE_WORDS) -> set[str]:
    """Word n-grams joined by spaces (the tokens themselves when there are fewer than ``n``)."""
    if len(tokens) < n:
        return {" ".join(tokens)} if tokens else set()
    return {" ".join(tokens[i : i + n]) for i in range(len(tokens) - n + 1)}


# word -> _h(word), shared by all sketches of this process: a site's pages repeat most of their words
_WORD_HASHES: dict[str, int] = {}
_WORD_HASHES_MAX = 1 << 18
_MASK = (1 << 48) - 1
_P1, _P2 = 0x9E3779B97F4A7C15, 0xC2B2AE3D27D4EB4F  # odd multipliers (golden ratio, murmur3)


def sketch(tokens: Sequence[str], k: int = SKETCH_SIZE) -> tuple[int, ...]:
    """Bottom-k MinHash sketch (sorted) of the word shingles of ``tokens``.

    Each distinct word is hashed once (BLAKE2b, stable across processes); a shingle's hash mixes its
    words' hashes by odd multiplications and xor, which is much cheaper than hashing every shingle string.
    """
    n = SHINGLE_WORDS
    if not tokens:
        return ()
    cache = _WORD_HASHES
    if len(cache) > _WORD_HASHES_MAX:
        cache.clear()
    hs = [cache[t] if t in cache else cache.setdefault(t, _h(t)) for t in tokens]
    if len(hs) < n:
        return (_h(" ".join(tokens)),)
    if n == 3:
        out = {((a * _P1) ^ (b * _P2) ^ c) & _MASK for a, b, c in zip(hs, hs[1:], hs[2:], strict=False)}
    else:
        out = set()
        for i in range(len(hs) - n + 1):
            x = 0
            for h in hs[i : i + n]:
                x = ((x ^ h) * _P1) & _MASK
            out.add(x)
    return tuple(sorted(heapq.nsmallest(k, out)))


def sketch_similarity(a: Iterable[int], b: Iterable[int], k: int = SKETCH_SIZE) -> float:
    """Estimated Jaccard similarity of the shingle sets behind two bottom-k sketches."""
    sa, sb = set(a), set(b)
    if not sa and not sb:
        return 1.0
    if not sa or not sb:
        return 0.0
    union_k = heapq.nsmallest(k, sa | sb)
    both = sum(1 for x in union_k if x in sa and x in sb)
    return both / len(union_k)


def jaccard(a: set[str], b: set[str]) -> float:
    """Jaccard similarity of two sets (1.0 for two empty sets)."""
    if not a and not b:
        return 1.0
    return len(a & b) / len(a | b)


def containment(old: set[str], new: set[str]) -> float:
    """Share of ``old`` found in ``new`` (1.0 when ``old`` is empty)."""
    if not old:
        return 1.0
    return len(old & new) / len(old)


def sketch_novelty(new: Iterable[int], old: Iterable[int], k: int = SKETCH_SIZE) -> float:
    """Estimated share of the shingles behind ``new`` that are absent from those behind ``old``."""
    sn, so = set(new), set(old)
    if not sn:
        return 0.0
    if not so:
        return 1.0
    union_k = heapq.nsmallest(k, sn | so)
    in_new = [x for x in union_k if x in sn]
    if not in_new:
        return 0.0
    return sum(1 for x in in_new if x not in so) / len(in_new)
