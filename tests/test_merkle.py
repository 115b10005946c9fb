"""The Merkle log (tracker.domain.merkle) against published RFC 6962 vectors, a second implementation written
here from the RFC's recursive definitions, and property tests of what a proof must refuse.

Vectors: tests/data/merkle/ (transparency-dev/merkle, Apache-2.0, commit 417fb0c of 2026-07-23, read
2026-12-06; each file names its source)."""

from __future__ import annotations

import base64
import hashlib
import json
from pathlib import Path

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from tracker.domain import merkle
from tracker.domain.merkle import (
    EMPTY_ROOT,
    MerkleTree,
    ProofError,
    frontier,
    leaf_hash,
    new_nodes,
    node_hash,
    subtree_hash,
    verify_consistency,
    verify_inclusion,
)

DATA = Path(__file__).parent / "data" / "merkle"
GOLDEN = json.loads((DATA / "golden.json").read_text())


def b64(text: str | None) -> bytes:
    return base64.b64decode(text) if text else b""


# ------------------------------------------------------------------ the reference: RFC 9162 §2.1, recursively


def ref_mth(leaves: list[bytes]) -> bytes:
    n = len(leaves)
    if n == 0:
        return hashlib.sha256(b"").digest()
    if n == 1:
        return hashlib.sha256(b"\x00" + leaves[0]).digest()
    k = 1
    while k * 2 < n:
        k *= 2
    return hashlib.sha256(b"\x01" + ref_mth(leaves[:k]) + ref_mth(leaves[k:])).digest()


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


def ref_proof(m: int, leaves: list[bytes]) -> list[bytes]:
    return ref_subproof(m, leaves, True) if 0 < m < len(leaves) else []


def data(n: int, salt: bytes = b"") -> list[bytes]:
    return [salt + i.to_bytes(4, "big") for i in range(n)]


# ------------------------------------------------------------------ published vectors


def test_hasher_matches_the_published_values() -> None:
    want = GOLDEN["hasher_hex"]
    assert EMPTY_ROOT.hex() == want["empty_root"]
    assert leaf_hash(b"").hex() == want["leaf('')"]
    assert leaf_hash(b"L123456").hex() == want["leaf('L123456')"]
    assert node_hash(b"N123", b"N456").hex() == want["node('N123','N456')"]


def test_roots_and_nodes_of_the_eight_leaf_tree_match_the_published_constants() -> None:
    leaves = [bytes.fromhex(x) for x in GOLDEN["leaf_inputs_hex"]]
    tree = MerkleTree(leaf_hash(x) for x in leaves)
    assert [tree.root(n).hex() for n in range(9)] == GOLDEN["roots_by_size_hex"]
    for level, row in enumerate(GOLDEN["node_hashes_hex"]):
        assert [tree.node(level, i).hex() for i in range(len(row))] == row


def test_large_trees_match_the_published_roots_and_right_edge_nodes() -> None:
    large = GOLDEN["large_roots"]
    tree = MerkleTree(leaf_hash(bytes([i & 0xFF, (i >> 8) & 0xFF])) for i in range(65535))
    for size, root in large["roots_base64"].items():
        assert base64.b64encode(tree.root(int(size))).decode() == root, size
    # The published nodes visited when folding the root: node (level, index) of a tree of `size` leaves covers
    # leaves [index * 2**level, min(size, (index + 1) * 2**level)).
    for size, nodes in large["nodes_base64"].items():
        for level, index, want in nodes:
            got = subtree_hash(tree, index << level, min(int(size), (index + 1) << level))
            assert base64.b64encode(got).decode() == want, (size, level, index)


def _probes(kind: str) -> list[dict]:
    return json.loads((DATA / f"{kind}_probes.json").read_text())["probes"]


@pytest.mark.parametrize("probe", _probes("inclusion"), ids=lambda p: p["file"].split("inclusion/")[1])
def test_published_inclusion_probes(probe: dict) -> None:
    args = (probe["leafIdx"], probe["treeSize"], b64(probe["leafHash"]), [b64(x) for x in probe["proof"] or []])
    if probe["wantErr"]:
        with pytest.raises(ProofError):
            verify_inclusion(*args, b64(probe["root"]))
    else:
        verify_inclusion(*args, b64(probe["root"]))


# One deliberate difference: transparency-dev accepts any bytes as roots when both sizes are equal; this
# verifier refuses a "root" that is not a SHA-256 hash.
STRICTER = {"testdata/consistency/additional/sizes-are-equal-one-and-proof-is-empty.json"}


@pytest.mark.parametrize("probe", _probes("consistency"), ids=lambda p: p["file"].split("consistency/")[1])
def test_published_consistency_probes(probe: dict) -> None:
    args = (
        probe["size1"],
        probe["size2"],
        b64(probe["root1"]),
        b64(probe["root2"]),
        [b64(x) for x in probe["proof"] or []],
    )
    if probe["wantErr"] or probe["file"] in STRICTER:
        with pytest.raises(ProofError):
            verify_consistency(*args)
    else:
        verify_consistency(*args)


def test_the_probe_files_hold_both_kinds() -> None:
    for kind in ("inclusion", "consistency"):
        probes = _probes(kind)
        assert len(probes) > 90
        assert sum(not p["wantErr"] for p in probes) >= 5


# ------------------------------------------------------------------ against the reference implementation


def test_every_root_proof_and_consistency_proof_up_to_64_leaves_matches_the_reference() -> None:
    leaves = data(64)
    tree = MerkleTree(leaf_hash(x) for x in leaves)
    for n in range(1, 65):
        root = ref_mth(leaves[:n])
        assert tree.root(n) == root
        for i in range(n):
            path = tree.inclusion_proof(i, n)
            assert path == ref_path(i, leaves[:n])
            verify_inclusion(i, n, leaf_hash(leaves[i]), path, root)
        for m in range(0, n + 1):
            proof = tree.consistency_proof(m, n)
            assert proof == ref_proof(m, leaves[:n])
            verify_consistency(m, n, ref_mth(leaves[:m]), root, proof)


@pytest.mark.parametrize("n", [127, 128, 129, 1000, 1025, 4097])
def test_large_sizes_match_the_reference(n: int) -> None:
    leaves = data(n, b"big")
    tree = MerkleTree(leaf_hash(x) for x in leaves)
    root = ref_mth(leaves)
    assert tree.root() == root
    for i in sorted({0, 1, n // 3, n // 2, n - 2, n - 1}):
        assert tree.inclusion_proof(i) == ref_path(i, leaves)
    for m in sorted({1, 2, n // 2, n - 1}):
        proof = tree.consistency_proof(m)
        assert proof == ref_proof(m, leaves)
        verify_consistency(m, n, ref_mth(leaves[:m]), root, proof)


def test_the_append_path_writes_the_same_nodes_as_the_bulk_path() -> None:
    bulk = MerkleTree(leaf_hash(x) for x in data(100))
    one = MerkleTree()
    written: dict[tuple[int, int], bytes] = {}
    for x in data(100):
        index = one.size
        nodes = new_nodes(index, leaf_hash(x), one)
        assert one.append(leaf_hash(x)) == index
        for level, i, h in nodes:
            assert (level, i) not in written  # each complete node is made once, never changed
            written[level, i] = h
    assert written == {(lv, i): bulk.node(lv, i) for lv, i in written}
    assert len(written) == 2 * 100 - 3  # 100 leaves make 100 + 50 + 25 + 12 + 6 + 3 + 1 complete nodes
    for n in range(1, 101):
        folded = [bulk.node(lv, i) for lv, i in frontier(n)]
        h = folded[-1]
        for left in reversed(folded[:-1]):
            h = node_hash(left, h)
        assert h == bulk.root(n)


def test_the_tree_refuses_what_it_cannot_answer() -> None:
    tree = MerkleTree(leaf_hash(x) for x in data(5))
    with pytest.raises(ProofError):
        tree.node(1, 2)  # leaves 4 and 5: not complete at 5 leaves
    with pytest.raises(ProofError):
        tree.inclusion_proof(5)
    with pytest.raises(ProofError):
        tree.root(6)
    with pytest.raises(ProofError):
        tree.consistency_proof(6)
    with pytest.raises(ValueError):
        tree.append(b"short")
    with pytest.raises(ValueError):
        tree.extend([leaf_hash(b"a"), b"short", leaf_hash(b"b")])
    assert tree.size == 6  # the leaf before the refused one is in, and the tree is whole
    assert tree.root() == ref_mth([*data(5), b"a"])


# ------------------------------------------------------------------ what a proof must refuse


def flip(value: bytes, at: int, bit: int = 0) -> bytes:
    b = bytearray(value)
    b[at % len(b)] ^= 1 << bit
    return bytes(b)


@settings(max_examples=150, deadline=None)
@given(n=st.integers(1, 300), data_=st.data())
def test_any_change_to_a_leaf_a_proof_or_a_root_fails_inclusion(n: int, data_: st.DataObject) -> None:
    leaves = data(n, b"p")
    tree = MerkleTree(leaf_hash(x) for x in leaves)
    i = data_.draw(st.integers(0, n - 1))
    leaf, path, root = leaf_hash(leaves[i]), tree.inclusion_proof(i), tree.root()
    verify_inclusion(i, n, leaf, path, root)
    at, bit = data_.draw(st.integers(0, 31)), data_.draw(st.integers(0, 7))
    with pytest.raises(ProofError):
        verify_inclusion(i, n, leaf_hash(flip(leaves[i], at, bit)), path, root)
    with pytest.raises(ProofError):
        verify_inclusion(i, n, leaf, path, flip(root, at, bit))
    if path:
        k = data_.draw(st.integers(0, len(path) - 1))
        bad = [*path]
        bad[k] = flip(bad[k], at, bit)
        with pytest.raises(ProofError):
            verify_inclusion(i, n, leaf, bad, root)
        with pytest.raises(ProofError):
            verify_inclusion(i, n, leaf, path[:-1], root)
        with pytest.raises(ProofError):
            verify_inclusion(i, n, leaf, [*path, path[0]], root)
        if len(path) > 1:
            with pytest.raises(ProofError):
                verify_inclusion(i, n, leaf, path[::-1], root)
    other = data_.draw(st.integers(0, n - 1).filter(lambda j: j != i)) if n > 1 else None
    if other is not None:
        # The same path claimed for another position: refused unless both positions share the path's shape
        # AND the leaf, which different leaves never do.
        with pytest.raises(ProofError):
            verify_inclusion(other, n, leaf, path, root)
    # The tree size is not bound by the path alone (index 0 of 3 leaves has the same path and root as if the
    # tree had 4): it is bound by the checkpoint's signature over (size, root), tested in tests/test_notes.py.


@settings(max_examples=150, deadline=None)
@given(n=st.integers(2, 200), data_=st.data())
def test_truncation_rewrite_and_reordering_fail_consistency(n: int, data_: st.DataObject) -> None:
    leaves = data(n, b"c")
    m = data_.draw(st.integers(1, n - 1))
    old_root = ref_mth(leaves[:m])
    honest = MerkleTree(leaf_hash(x) for x in leaves)
    verify_consistency(m, n, old_root, honest.root(), honest.consistency_proof(m))

    # Truncation: the log now holds fewer leaves than the old checkpoint signed.
    short = data_.draw(st.integers(0, m - 1))
    with pytest.raises(ProofError):
        verify_consistency(m, short, old_root, ref_mth(leaves[:short]), [])

    # A rewrite of one leaf inside the old tree, and a swap of two leaves (one of them inside it), each
    # followed by growth: the forger's honest proof over the forged log does not match the old root.
    at = data_.draw(st.integers(0, m - 1))
    rewritten = [*leaves]
    rewritten[at] = b"forged" + rewritten[at]
    j = data_.draw(st.integers(0, n - 1).filter(lambda j: j != at))
    swapped = [*leaves]
    swapped[at], swapped[j] = swapped[j], swapped[at]
    for forged in (rewritten, swapped):
        t = MerkleTree(leaf_hash(x) for x in forged)
        with pytest.raises(ProofError):
            verify_consistency(m, n, old_root, t.root(), t.consistency_proof(m))

    # A changed proof or root fails too.
    proof = honest.consistency_proof(m)
    k, at2, bit = (
        data_.draw(st.integers(0, len(proof) - 1)),
        data_.draw(st.integers(0, 31)),
        data_.draw(st.integers(0, 7)),
    )
    bad = [*proof]
    bad[k] = flip(bad[k], at2, bit)
    with pytest.raises(ProofError):
        verify_consistency(m, n, old_root, honest.root(), bad)
    with pytest.raises(ProofError):
        verify_consistency(m, n, flip(old_root, at2, bit), honest.root(), proof)
    with pytest.raises(ProofError):
        verify_consistency(m, n, old_root, flip(honest.root(), at2, bit), proof)


def test_the_module_does_no_io() -> None:
    source = Path(merkle.__file__).read_text()
    for word in ("open(", "import os", "import sqlalchemy", "import tracker.store"):
        assert word not in source
