"""Merkle tree hashing, proofs and proof verification as in Certificate Transparency (RFC 9162 §2.1).

Pure functions over bytes, no database. Leaves are given as *leaf hashes* (``leaf_hash(data)``).

* ``leaf_hash(d) = SHA-256(0x00 || d)``, ``node_hash(l, r) = SHA-256(0x01 || l || r)``
* the tree head over ``n`` leaves splits at the largest power of two smaller than ``n``
* inclusion proofs (``PATH``) and consistency proofs (``PROOF``) with the verification algorithms of
  §2.1.3.2 and §2.1.4.2
* :class:`CompactRange` keeps the right frontier so the root of a growing log costs O(log n) per append
* :class:`MerkleTree` caches aligned subtrees so many proofs over one log are O(log² n) each
"""

from __future__ import annotations

import hashlib
from collections.abc import Iterable, Sequence

__all__ = [
    "EMPTY_ROOT",
    "HASH_SIZE",
    "CompactRange",
    "consistency_proof",
    "inclusion_proof",
    "leaf_hash",
    "MerkleTree",
    "node_hash",
    "root",
    "verify_consistency",
    "verify_inclusion",
]

HASH_SIZE = 32
EMPTY_ROOT = hashlib.sha256(b"").digest()


def leaf_hash(data: bytes) -> bytes:
    """``SHA-256(0x00 || data)``."""
    return hashlib.sha256(b"\x00" + data).digest()


def node_hash(l: bytes, r: bytes) -> bytes:  # noqa: E741 - the RFC's names
    """``SHA-256(0x01 || l || r)``."""
    return hashlib.sha256(b"\x01" + l + r).digest()


def _split(n: int) -> int:
    """The largest power of two strictly smaller than ``n`` (n >= 2)."""
    return 1 << ((n - 1).bit_length() - 1)


class MerkleTree:
    """Leaf hashes plus the hashes of every complete, aligned subtree (built once in O(n))."""

    def __init__(self, leaves: Iterable[bytes]) -> None:
        level = list(leaves)
        self.levels: list[list[bytes]] = [level]
        while len(level) > 1:
            level = [node_hash(level[i], level[i + 1]) for i in range(0, len(level) - 1, 2)]
            self.levels.append(level)

    @property
    def size(self) -> int:
        return len(self.levels[0])

    def _check_size(self, n: int) -> None:
        if not 0 <= n <= self.size:
            raise ValueError(f"tree size {n} out of range 0..{self.size}")

    def subtree(self, lo: int, hi: int) -> bytes:
        """``MTH(D[lo:hi])``: cached when the range is a complete aligned subtree."""
        n = hi - lo
        if n <= 0:
            return EMPTY_ROOT
        if n & (n - 1) == 0 and lo % n == 0:
            height = n.bit_length() - 1
            return self.levels[height][lo >> height]
        k = _split(n)
        return node_hash(self.subtree(lo, lo + k), self.subtree(lo + k, hi))

    def root(self, n: int | None = None) -> bytes:
        n = self.size if n is None else n
        self._check_size(n)
        return self.subtree(0, n)

    def inclusion_proof(self, index: int, n: int | None = None) -> list[bytes]:
        """``PATH(index, D[0:n])``."""
        n = self.size if n is None else n
        self._check_size(n)
        if not 0 <= index < n:
            raise ValueError(f"leaf index {index} not in a tree of size {n}")
        proof: list[bytes] = []
        lo, hi = 0, n
        while hi - lo > 1:
            k = _split(hi - lo)
            if index < lo + k:
                proof.append(self.subtree(lo + k, hi))
                hi = lo + k
            else:
                proof.append(self.subtree(lo, lo + k))
                lo = lo + k
        proof.reverse()
        return proof

    def consistency_proof(self, m: int, n: int | None = None) -> list[bytes]:
        """``PROOF(m, D[0:n])``; empty when ``m`` is 0 or ``m == n``."""
        n = self.size if n is None else n
        self._check_size(n)
        if not 0 <= m <= n:
            raise ValueError(f"old size {m} not in 0..{n}")
        if m == 0 or m == n:
            return []
        proof: list[bytes] = []
        lo, hi, complete = 0, n, True
        while True:
            size = hi - lo
            if m == size:
                if not complete:
                    proof.append(self.subtree(lo, hi))
                break
            k = _split(size)
            if m <= k:
                proof.append(self.subtree(lo + k, hi))
                hi = lo + k
            else:
                proof.append(self.subtree(lo, lo + k))
                lo, m, complete = lo + k, m - k, False
        proof.reverse()
        return proof


def root(leaves: Sequence[bytes]) -> bytes:
    """The Merkle tree head over ``leaves`` (leaf hashes)."""
    cr = CompactRange()
    for leaf in leaves:
        cr.append(leaf)
    return cr.root()


def inclusion_proof(index: int, leaves: Sequence[bytes]) -> list[bytes]:
    """The audit path for leaf ``index`` in the tree over ``leaves``."""
    return MerkleTree(leaves).inclusion_proof(index)


def consistency_proof(m: int, leaves: Sequence[bytes]) -> list[bytes]:
    """The consistency proof between the first ``m`` leaves and all of ``leaves``."""
    return MerkleTree(leaves).consistency_proof(m)


def verify_inclusion(index: int, size: int, leaf: bytes, proof: Sequence[bytes], root: bytes) -> bool:
    """RFC 9162 §2.1.3.2: does ``proof`` place leaf hash ``leaf`` at ``index`` in the tree ``root``?"""
    if index < 0 or index >= size:
        return False
    fn, sn = index, size - 1
    r = leaf
    for p in proof:
        if len(p) != HASH_SIZE or sn == 0:
            return False
        if fn & 1 or fn == sn:
            r = node_hash(p, r)
            if not fn & 1:
                while fn and not fn & 1:
                    fn >>= 1
                    sn >>= 1
        else:
            r = node_hash(r, p)
        fn >>= 1
        sn >>= 1
    return sn == 0 and r == root


def verify_consistency(m: int, n: int, root_m: bytes, root_n: bytes, proof: Sequence[bytes]) -> bool:
    """RFC 9162 §2.1.4.2: is the tree ``root_n`` of size ``n`` an append-only extension of ``root_m``?"""
    if m < 0 or n < m:
        return False
    if m == n:
        return not proof and root_m == root_n
    if m == 0:
        return not proof and root_m == EMPTY_ROOT
    if not proof or any(len(p) != HASH_SIZE for p in proof):
        return False
    path = list(proof)
    if m & (m - 1) == 0:
        path.insert(0, root_m)
    fn, sn = m - 1, n - 1
    while fn & 1:
        fn >>= 1
        sn >>= 1
    fr = sr = path[0]
    for c in path[1:]:
        if sn == 0:
            return False
        if fn & 1 or fn == sn:
            fr = node_hash(c, fr)
            sr = node_hash(c, sr)
            if not fn & 1:
                while fn and not fn & 1:
                    fn >>= 1
                    sn >>= 1
        else:
            sr = node_hash(sr, c)
        fn >>= 1
        sn >>= 1
    return fr == root_m and sr == root_n and sn == 0


class CompactRange:
    """The right frontier of a growing tree: one perfect-subtree hash per set bit of ``size``.

    ``append`` is amortised O(1) hashes (at most O(log n)); ``root`` is O(log n).
    """

    def __init__(self, size: int = 0, hashes: Sequence[bytes] = ()) -> None:
        if len(hashes) != size.bit_count():
            raise ValueError(f"a compact range of size {size} needs {size.bit_count()} hashes")
        self.size = size
        self.hashes = list(hashes)  # largest subtree first

    def append(self, leaf: bytes) -> None:
        """Add one leaf hash."""
        h = leaf
        self.size += 1
        # merging happens once per trailing one bit of the old size
        for _ in range(((self.size - 1) ^ self.size).bit_length() - 1):
            h = node_hash(self.hashes.pop(), h)
        self.hashes.append(h)

    def root(self) -> bytes:
        if not self.hashes:
            return EMPTY_ROOT
        r = self.hashes[-1]
        for h in reversed(self.hashes[:-1]):
            r = node_hash(h, r)
        return r

    def copy(self) -> CompactRange:
        return CompactRange(self.size, self.hashes)

    def to_bytes(self) -> bytes:
        return self.size.to_bytes(8, "big") + b"".join(self.hashes)

    @classmethod
    def from_bytes(cls, raw: bytes) -> CompactRange:
        size = int.from_bytes(raw[:8], "big")
        body = raw[8:]
        if len(body) != HASH_SIZE * size.bit_count():
            raise ValueError("corrupt compact range")
        return cls(size, [body[i : i + HASH_SIZE] for i in range(0, len(body), HASH_SIZE)])
