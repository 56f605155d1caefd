"""RFC 9162 Merkle hashing, proofs and their verification."""

from __future__ import annotations

import hashlib

import pytest

from presswatch.record import merkle
from presswatch.record.merkle import (
    CompactRange,
    MerkleTree,
    consistency_proof,
    inclusion_proof,
    leaf_hash,
    node_hash,
    root,
    verify_consistency,
    verify_inclusion,
)

# The leaf inputs and tree heads of the Certificate Transparency reference test vectors.
CT_INPUTS = [
    b"", b"\x00", b"\x10", b"\x20\x21", b"\x30\x31", b"\x40\x41\x42\x43",
    bytes(range(0x50, 0x58)), bytes(range(0x60, 0x70)),
]
CT_ROOTS = [
    "6e340b9cffb37a989ca544e6bb780a2c78901d3fb33738768511a30617afa01d",
    "fac54203e7cc696cf0dfcb42c92a1d9dbaf70ad9e621f4bd8d98662f00e3c125",
    "aeb6bcfe274b70a14fb067a5e5578264db0fa9b51af5e0ba159158f329e06e77",
    "d37ee418976dd95753c1c73862b9398fa2a2cf9b4ff0fdfe8b30cd95209614b7",
    "4e3bbb1f7b478dcfe71fb631631519a3bca12c9aefca1612bfce4c13a86264d4",
    "76e67dadbcdf1e10e1b74ddc608abd2f98dfb16fbce75277b5232a127f2087ef",
    "ddb89be403809e325750d3d263cd78929c2942b7942a34b77e122c9594a74c8c",
    "5dc9da79a70659a9ad559cb701ded9a2ab9d823aad2f4960cfe370eff4604328",
]


def ref_mth(leaves: list[bytes]) -> bytes:
    """MTH written straight from the RFC's recursive definition."""
    n = len(leaves)
    if n == 0:
        return hashlib.sha256(b"").digest()
    if n == 1:
        return leaves[0]
    k = 1
    while k * 2 < n:
        k *= 2
    return node_hash(ref_mth(leaves[:k]), ref_mth(leaves[k:]))


def ref_path(m: int, leaves: list[bytes]) -> list[bytes]:
    n = len(leaves)
    if n == 1:
        return []
    k = 1
    while k * 2 < n:
        k *= 2
    if m < k:
        return ref_path(m, leaves[:k]) + [ref_mth(leaves[k:])]
    return ref_path(m - k, leaves[k:]) + [ref_mth(leaves[:k])]


def ref_subproof(m: int, leaves: list[bytes], b: bool) -> list[bytes]:
    n = len(leaves)
    if m == n:
        return [] if b else [ref_mth(leaves)]
    k = 1
    while k * 2 < n:
        k *= 2
    if m <= k:
        return ref_subproof(m, leaves[:k], b) + [ref_mth(leaves[k:])]
    return ref_subproof(m - k, leaves[k:], False) + [ref_mth(leaves[:k])]


def hashes(n: int) -> list[bytes]:
    return [leaf_hash(i.to_bytes(4, "big")) for i in range(n)]


def test_hash_prefixes():
    assert leaf_hash(b"x") == hashlib.sha256(b"\x00x").digest()
    assert node_hash(b"a" * 32, b"b" * 32) == hashlib.sha256(b"\x01" + b"a" * 32 + b"b" * 32).digest()
    assert root([]) == hashlib.sha256(b"").digest()


def test_ct_reference_roots():
    leaves = [leaf_hash(d) for d in CT_INPUTS]
    for n in range(1, 9):
        assert root(leaves[:n]).hex() == CT_ROOTS[n - 1]
        assert MerkleTree(leaves).root(n).hex() == CT_ROOTS[n - 1]


@pytest.mark.parametrize("n", list(range(1, 34)) + [64, 65, 100])
def test_roots_and_proofs_match_reference(n):
    leaves = hashes(n)
    tree = MerkleTree(leaves)
    assert root(leaves) == ref_mth(leaves) == tree.root()
    for i in range(n):
        proof = tree.inclusion_proof(i)
        assert proof == ref_path(i, leaves)
        assert verify_inclusion(i, n, leaves[i], proof, tree.root())
    for m in range(1, n):
        proof = tree.consistency_proof(m)
        assert proof == ref_subproof(m, leaves, True)
        assert verify_consistency(m, n, ref_mth(leaves[:m]), tree.root(), proof)


def test_module_level_helpers():
    leaves = hashes(13)
    assert inclusion_proof(5, leaves) == ref_path(5, leaves)
    assert consistency_proof(6, leaves) == ref_subproof(6, leaves, True)


def test_inclusion_rejects_tampering():
    leaves = hashes(21)
    r = root(leaves)
    proof = inclusion_proof(9, leaves)
    assert verify_inclusion(9, 21, leaves[9], proof, r)
    assert not verify_inclusion(8, 21, leaves[9], proof, r)  # wrong position
    assert not verify_inclusion(9, 21, leaves[8], proof, r)  # wrong leaf
    assert not verify_inclusion(9, 33, leaves[9], proof, r)  # wrong size (other shape)
    assert not verify_inclusion(9, 21, leaves[9], proof[:-1], r)  # truncated
    assert not verify_inclusion(9, 21, leaves[9], proof + [r], r)  # padded
    assert not verify_inclusion(21, 21, leaves[9], proof, r)  # out of range
    for k in range(len(proof)):
        bad = list(proof)
        bad[k] = bytes([bad[k][0] ^ 1]) + bad[k][1:]
        assert not verify_inclusion(9, 21, leaves[9], bad, r)


def test_consistency_rejects_forks():
    leaves = hashes(20)
    tree = MerkleTree(leaves)
    proof = tree.consistency_proof(7)
    assert verify_consistency(7, 20, tree.root(7), tree.root(), proof)
    forked = leaves[:5] + [leaf_hash(b"rewritten")] + leaves[6:]
    ftree = MerkleTree(forked)
    # the forked log cannot prove it extends the original head
    assert not verify_consistency(7, 20, tree.root(7), ftree.root(), ftree.consistency_proof(7))
    assert not verify_consistency(7, 20, tree.root(7), tree.root(), proof[:-1])
    assert not verify_consistency(6, 20, tree.root(7), tree.root(), proof)
    assert not verify_consistency(7, 20, tree.root(7), tree.root(), [])
    assert verify_consistency(20, 20, tree.root(), tree.root(), [])
    assert not verify_consistency(20, 20, tree.root(), ftree.root(), [])
    assert verify_consistency(0, 20, merkle.EMPTY_ROOT, tree.root(), [])
    assert not verify_consistency(21, 20, tree.root(), tree.root(), proof)
    for k in range(len(proof)):
        bad = list(proof)
        bad[k] = bytes([bad[k][0] ^ 1]) + bad[k][1:]
        assert not verify_consistency(7, 20, tree.root(7), tree.root(), bad)


def test_compact_range_tracks_root_and_roundtrips():
    leaves = hashes(70)
    cr = CompactRange()
    for i, leaf in enumerate(leaves):
        cr.append(leaf)
        assert len(cr.hashes) == (i + 1).bit_count()
        if i % 7 == 0 or i == 69:
            assert cr.root() == ref_mth(leaves[: i + 1])
        cr = CompactRange.from_bytes(cr.to_bytes())
    assert cr.size == 70
    with pytest.raises(ValueError):
        CompactRange(3, [leaves[0]])
    with pytest.raises(ValueError):
        CompactRange.from_bytes(cr.to_bytes()[:-1])


def test_proof_bounds():
    tree = MerkleTree(hashes(5))
    with pytest.raises(ValueError):
        tree.inclusion_proof(5)
    with pytest.raises(ValueError):
        tree.consistency_proof(6)
    with pytest.raises(ValueError):
        tree.root(6)
    assert tree.consistency_proof(0) == [] and tree.consistency_proof(5) == []
