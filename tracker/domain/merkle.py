"""RFC 9162 Merkle tree hashing, inclusion and consistency proofs, and an append-only tree.

Pure: no I/O. The hashes are those of RFC 9162 §2.1 (the same as RFC 6962 §2.1):

- a leaf's hash is SHA-256(0x00 ‖ leaf),
- an interior node's hash is SHA-256(0x01 ‖ left ‖ right),
- the root of n > 1 leaves splits at k, the largest power of two below n: MTH(D[0:n]) = node(MTH(D[0:k]),
  MTH(D[k:n])); the root of no leaves is SHA-256 of nothing.

Nodes are named as in C2SP tlog-tiles and transparency-dev/merkle: (level, index) is the complete subtree of
2**level leaves starting at leaf index * 2**level. Every node of the tree over n leaves that a proof needs is
either such a complete node or a fold of at most log2(n) of them along the tree's right edge, so a store that
keeps the complete nodes (at most 2n - 1 of them, written once each and never changed) answers every root and
proof for every size up to n in O(log n) node reads. The functions below read nodes through a `NodeSource`,
so the in-memory `MerkleTree` here and a database table later answer through the same code.

Verification follows RFC 9162 §2.1.3.2 (inclusion) and §2.1.4.2 (consistency) step by step; a proof that
does not verify raises `ProofError` saying which check failed.

What a leaf is (the ledger's choice, documented in docs/proofs.md): the event's chain hash, 32 bytes. The
chain hash is SHA-256 over the previous event's hash and the event's canonical content (position included),
so a leaf commits to the event, its place and everything before it; the tree over a ledger is built from one
stored column without decoding a payload; and a proof stays self-contained, since it carries the bytes whose
SHA-256 is the chain hash.
"""

from __future__ import annotations

import hashlib
from collections.abc import Iterable, Sequence
from typing import Protocol

HASH_SIZE = 32
_sha256 = hashlib.sha256
EMPTY_ROOT = _sha256(b"").digest()


class ProofError(ValueError):
    """A proof that does not verify, or a request no proof can answer (an index beyond the tree)."""


def leaf_hash(leaf: bytes) -> bytes:
    return _sha256(b"\x00" + leaf).digest()


def node_hash(left: bytes, right: bytes) -> bytes:
    return _sha256(b"\x01" + left + right).digest()


def _largest_power_of_two_below(n: int) -> int:
    """k with k < n <= 2k, for n >= 2 (RFC 9162's split point)."""
    return 1 << ((n - 1).bit_length() - 1)


class NodeSource(Protocol):
    """Where the complete nodes come from: `node(level, index)` for a subtree the tree already holds."""

    def node(self, level: int, index: int) -> bytes: ...


def subtree_hash(source: NodeSource, begin: int, end: int) -> bytes:
    """MTH(D[begin:end]) for a range the RFC's recursion produces: `begin` a multiple of the smallest power of
    two >= end - begin. A complete range is one stored node; any other folds the complete nodes of its
    binary decomposition, right to left."""
    size = end - begin
    if size <= 0:
        return EMPTY_ROOT
    parts: list[bytes] = []
    while size:
        level = size.bit_length() - 1
        width = 1 << level
        parts.append(source.node(level, begin >> level))
        begin += width
        size -= width
    h = parts[-1]
    for left in reversed(parts[:-1]):
        h = node_hash(left, h)
    return h


def root_hash(source: NodeSource, size: int) -> bytes:
    """The root of the first `size` leaves."""
    return subtree_hash(source, 0, size)


def inclusion_proof(source: NodeSource, index: int, size: int) -> list[bytes]:
    """PATH(index, D[0:size]) of RFC 9162 §2.1.3.1: the sibling hashes from the leaf up to the root's child."""
    if not 0 <= index < size:
        raise ProofError(f"leaf {index} is not in a tree of {size} leaves")
    path: list[bytes] = []
    begin, end = 0, size
    # Walk down from the root, collecting the other side at each split; the path lists them bottom-up.
    while end - begin > 1:
        k = _largest_power_of_two_below(end - begin)
        if index < begin + k:
            path.append(subtree_hash(source, begin + k, end))
            end = begin + k
        else:
            path.append(subtree_hash(source, begin, begin + k))
            begin += k
    path.reverse()
    return path


def consistency_proof(source: NodeSource, old_size: int, new_size: int) -> list[bytes]:
    """PROOF(old_size, D[0:new_size]) of RFC 9162 §2.1.4.1 (SUBPROOF with b = true at the top)."""
    if not 0 <= old_size <= new_size:
        raise ProofError(f"no consistency proof from {old_size} leaves to {new_size}")
    if old_size in (0, new_size):
        return []
    proof: list[bytes] = []
    # m counts the old leaves inside [begin, end): SUBPROOF(m, D[begin:end], complete).
    m, begin, end, complete = old_size, 0, new_size, True
    while m != end - begin:
        k = _largest_power_of_two_below(end - begin)
        if m <= k:
            proof.append(subtree_hash(source, begin + k, end))
            end = begin + k
        else:
            proof.append(subtree_hash(source, begin, begin + k))
            begin += k
            m -= k
            complete = False
    if not complete:
        proof.append(subtree_hash(source, begin, end))
    proof.reverse()
    return proof


def _check_hashes(hashes: Sequence[bytes], what: str) -> None:
    for h in hashes:
        if len(h) != HASH_SIZE:
            raise ProofError(f"{what} holds a {len(h)}-byte value where a {HASH_SIZE}-byte hash belongs")


def root_from_inclusion(index: int, size: int, leaf: bytes, proof: Sequence[bytes]) -> bytes:
    """The root that `proof` leads to from the leaf hash `leaf` at `index` in a tree of `size` leaves
    (RFC 9162 §2.1.3.2, steps 1 to 5 without the final comparison)."""
    if not 0 <= index < size:
        raise ProofError(f"leaf index {index} is not below the tree size {size}")
    _check_hashes([leaf], "the leaf hash")
    _check_hashes(proof, "the inclusion proof")
    return _climb(index, size - 1, leaf, proof, "inclusion proof")[1]


def _climb(fn: int, sn: int, seed: bytes, path: Sequence[bytes], what: str) -> tuple[bytes, bytes]:
    """The loop RFC 9162 shares between its two verifiers (§2.1.3.2 step 4, §2.1.4.2 step 6): from the node
    `seed` at index `fn` of the last index `sn`, fold `path` up to the root. Returns (fr, sr): the root of the
    left part only (the old tree, for consistency) and the root of the whole."""
    fr = sr = seed
    for c in path:
        if sn == 0:
            raise ProofError(f"the {what} is longer than the tree is deep")
        if fn & 1 or fn == sn:
            fr = node_hash(c, fr)
            sr = node_hash(c, sr)
            while not fn & 1 and fn != 0:
                fn >>= 1
                sn >>= 1
        else:
            sr = node_hash(sr, c)
        fn >>= 1
        sn >>= 1
    if sn != 0:
        raise ProofError(f"the {what} is shorter than the tree is deep")
    return fr, sr


def verify_inclusion(index: int, size: int, leaf: bytes, proof: Sequence[bytes], root: bytes) -> None:
    """Raise `ProofError` unless `proof` shows the leaf hash `leaf` at `index` in the tree of `size` leaves
    whose root is `root`."""
    if root_from_inclusion(index, size, leaf, proof) != root:
        raise ProofError("the inclusion proof does not lead to the signed root")


def verify_consistency(old_size: int, new_size: int, old_root: bytes, new_root: bytes, proof: Sequence[bytes]) -> None:
    """Raise `ProofError` unless `proof` shows that the tree of `new_size` leaves with root `new_root` extends
    the tree of `old_size` leaves with root `old_root` (RFC 9162 §2.1.4.2)."""
    _check_hashes([old_root, new_root], "a root")
    _check_hashes(proof, "the consistency proof")
    if old_size < 0 or old_size > new_size:
        raise ProofError(f"a tree of {new_size} leaves cannot extend one of {old_size}")
    if old_size == new_size:
        if proof:
            raise ProofError("two trees of the same size need an empty consistency proof")
        if old_root != new_root:
            raise ProofError(f"two trees of {old_size} leaves have different roots")
        return
    if old_size == 0:
        # Every tree extends the empty one; RFC 9162 gives no proof for it.
        if proof:
            raise ProofError("a consistency proof from the empty tree must be empty")
        return
    if not proof:
        raise ProofError("the consistency proof is empty")
    path = list(proof)
    if old_size & (old_size - 1) == 0:  # step 2: an exact power of two is itself a node of the new tree
        path.insert(0, old_root)
    fn, sn = old_size - 1, new_size - 1
    while fn & 1:
        fn >>= 1
        sn >>= 1
    fr, sr = _climb(fn, sn, path[0], path[1:], "consistency proof")
    if fr != old_root:
        raise ProofError(f"the first {old_size} leaves of the new tree do not hash to the old root")
    if sr != new_root:
        raise ProofError("the consistency proof does not lead to the new root")


# ------------------------------------------------------------------------------------------- the tree


def frontier(size: int) -> list[tuple[int, int]]:
    """The complete nodes (level, index) whose fold is the root of `size` leaves, left to right: one per set bit
    of `size`, largest first (the "compact range" [0, size) of transparency-dev/merkle)."""
    out: list[tuple[int, int]] = []
    begin = 0
    for level in range(size.bit_length() - 1, -1, -1):
        if size >> level & 1:
            out.append((level, begin >> level))
            begin += 1 << level
    return out


def new_nodes(index: int, leaf: bytes, node: NodeSource) -> list[tuple[int, int, bytes]]:
    """The complete nodes that appending the leaf hash `leaf` at `index` creates, (level, index, hash) from the
    leaf up: one per trailing 1-bit of `index`, each the hash of a left sibling already held (read through
    `node`) and the node just made. What an append writes; O(log n), amortised O(1)."""
    out = [(0, index, leaf)]
    h, level, i = leaf, 0, index
    while i & 1:
        h = node_hash(node.node(level, i - 1), h)
        level += 1
        i >>= 1
        out.append((level, i, h))
    return out


class MerkleTree:
    """An append-only Merkle tree in memory: every complete node, one bytearray of 32-byte hashes per level
    (2n - 1 hashes, 64 bytes a leaf, at most). Appending is `new_nodes`; roots and proofs for any size up to
    the current one are the module's functions over it."""

    def __init__(self, leaf_hashes: Iterable[bytes] = ()) -> None:
        self._levels: list[bytearray] = []
        self.size = 0
        self.extend(leaf_hashes)

    def node(self, level: int, index: int) -> bytes:
        if level >= len(self._levels) or (index + 1) * HASH_SIZE > len(self._levels[level]) or index < 0:
            raise ProofError(f"the tree holds no complete node ({level}, {index})")
        start = index * HASH_SIZE
        return bytes(self._levels[level][start : start + HASH_SIZE])

    @property
    def height(self) -> int:
        """How many levels hold a complete node (0 for the empty tree)."""
        return len(self._levels)

    def level_bytes(self, level: int) -> bytes:
        """The complete nodes of `level`, left to right, as one run of 32-byte hashes (what a store writes)."""
        return bytes(self._levels[level]) if level < len(self._levels) else b""

    def append(self, leaf: bytes) -> int:
        """Add a leaf hash; its index."""
        self.extend((leaf,))
        return self.size - 1

    def extend(self, leaf_hashes: Iterable[bytes]) -> None:
        """Append many leaf hashes (what `new_nodes` makes for each, in one loop)."""
        levels, sha = self._levels, _sha256
        size = self.size
        try:
            for leaf in leaf_hashes:
                if len(leaf) != HASH_SIZE:
                    raise ValueError(f"a leaf hash is {HASH_SIZE} bytes, not {len(leaf)}")
                h, level, i = leaf, 0, size
                while True:
                    if level == len(levels):
                        levels.append(bytearray())
                    row = levels[level]
                    row += h
                    if not i & 1:
                        break
                    h = sha(b"\x01" + row[-2 * HASH_SIZE : -HASH_SIZE] + h).digest()
                    level += 1
                    i >>= 1
                size += 1
        finally:
            # A refused leaf stops the loop before it is stored: every leaf before it is complete.
            self.size = size

    def root(self, size: int | None = None) -> bytes:
        return root_hash(self, self._size_or_current(size))

    def inclusion_proof(self, index: int, size: int | None = None) -> list[bytes]:
        return inclusion_proof(self, index, self._size_or_current(size))

    def consistency_proof(self, old_size: int, new_size: int | None = None) -> list[bytes]:
        return consistency_proof(self, old_size, self._size_or_current(new_size))

    def _size_or_current(self, size: int | None) -> int:
        if size is None:
            return self.size
        if not 0 <= size <= self.size:
            raise ProofError(f"the tree has {self.size} leaves, not {size}")
        return size
