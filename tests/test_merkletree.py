"""The Merkle tree kept in the merkle_nodes table as events are appended (tracker.store.merkletree), on SQLite
and PostgreSQL: after every append, by one event or by batches of any size, the stored tree gives the roots and
proofs of the recursive reference of tests/test_merkle.py at every size; the migration builds it for a ledger
that has events; the table is append-only; a changed, missing or extra node is caught by `tracker verify`."""

from __future__ import annotations

import hashlib
from collections.abc import Iterator
from datetime import UTC, date, datetime

import pytest
from sqlalchemy import Engine, text
from test_merkle import ref_mth
from test_tamper import assert_caught
from typer.testing import CliRunner

from tracker.app.ledger import Ledger
from tracker.cli.main import app
from tracker.domain import events as ev
from tracker.domain.merkle import MerkleTree, leaf_hash, verify_consistency, verify_inclusion
from tracker.errors import AppendOnlyViolation, IntegrityError
from tracker.store import eventstore as es
from tracker.store import merkletree, migrate
from tracker.store.db import is_postgres, make_engine, read_transaction, translate_errors, write_transaction

T = datetime(2024, 3, 1, 12, 0, tzinfo=UTC)


@pytest.fixture
def engine(db_url: str) -> Iterator[Engine]:
    engine = make_engine(db_url)
    migrate.upgrade(engine)
    yield engine
    engine.dispose()


def event(n: int) -> ev.Event:
    return ev.Event("Thing", {"n": n}, T, None, 1)


def leaves(engine: Engine) -> list[bytes]:
    with read_transaction(engine) as conn:
        return [bytes.fromhex(r["hash"]) for r in es.raw_rows(conn)]


def assert_matches_reference(engine: Engine) -> None:
    """Every root from the stored nodes equals the reference over the chain hashes, and so does every node."""
    chain = leaves(engine)
    with read_transaction(engine) as conn:
        assert merkletree.size(conn) == len(chain)
        for size in range(len(chain) + 1):
            assert merkletree.root(conn, size) == ref_mth(chain[:size]), size
        assert merkletree.check(conn) is None


def unprotect(engine: Engine) -> None:
    with engine.begin() as conn:
        if is_postgres(conn):
            conn.execute(text("ALTER TABLE merkle_nodes DISABLE TRIGGER USER"))
        else:
            for name in ("update", "delete", "replace"):
                conn.execute(text(f"DROP TRIGGER merkle_nodes_no_{name}"))


def test_the_stored_tree_is_the_reference_after_every_append(engine: Engine, monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setattr(es, "WRITE_CHUNK", 5)  # batches cut across chunks, as an import's are
    n = 0
    # One event at a time, then batches whose starts and ends fall on every kind of boundary.
    for count in [1, 1, 1, 1, 2, 3, 1, 7, 1, 16, 2, 5, 9, 1, 13]:
        with write_transaction(engine) as conn:
            if count == 1:
                es.append(conn, f"s{n}", [event(n)], 0, "tester")
            else:
                # streams of two events, the last maybe of one
                batches = [
                    (f"s{n + i}", [event(n + j) for j in range(i, min(i + 2, count))], 0) for i in range(0, count, 2)
                ]
                es.append_many(conn, batches, "tester")
        n += count
        assert_matches_reference(engine)
    # Proofs from the stored nodes are those of the in-memory tree, and verify against the reference roots.
    chain = leaves(engine)
    tree = MerkleTree(leaf_hash(h) for h in chain)
    with read_transaction(engine) as conn:
        for size in (1, 2, 5, 8, 31, 32, n - 1, n):
            root = ref_mth(chain[:size])
            for index in range(size):
                path = merkletree.inclusion_proof(conn, index, size)
                assert path == tree.inclusion_proof(index, size)
                verify_inclusion(index, size, leaf_hash(chain[index]), path, root)
            for old in range(size + 1):
                proof = merkletree.consistency_proof(conn, old, size)
                assert proof == tree.consistency_proof(old, size)
                verify_consistency(old, size, ref_mth(chain[:old]), root, proof)


def test_a_rolled_back_append_leaves_no_node(engine: Engine) -> None:
    for i in range(3):
        with write_transaction(engine) as conn:
            es.append(conn, f"s{i}", [event(i)], 0, "tester")
    with pytest.raises(RuntimeError), write_transaction(engine) as conn:
        es.append(conn, "s9", [event(9)], 0, "tester")  # completes (1, 1) and (2, 0)
        raise RuntimeError("the command failed after the append")
    with engine.connect() as conn:
        assert conn.execute(text("SELECT count(*) FROM merkle_nodes")).scalar() == 1
    assert_matches_reference(engine)


def test_the_migration_builds_the_tree_of_an_existing_ledger(engine: Engine) -> None:
    with write_transaction(engine) as conn:
        es.append_many(conn, [(f"s{i}", [event(i)], 0) for i in range(37)], "tester")
    migrate.downgrade(engine, "0009")  # the ledger as it was before the table
    with engine.connect() as conn:
        assert not engine.dialect.has_table(conn, "merkle_nodes")
    migrate.upgrade(engine)
    assert_matches_reference(engine)
    with write_transaction(engine) as conn:  # and appends continue it
        es.append(conn, "more", [event(99), event(100)], 0, "tester")
    assert_matches_reference(engine)


def test_the_nodes_are_append_only(engine: Engine) -> None:
    with write_transaction(engine) as conn:
        es.append_many(conn, [(f"s{i}", [event(i)], 0) for i in range(4)], "tester")
    attempts = ["UPDATE merkle_nodes SET hash = hash", "DELETE FROM merkle_nodes"]
    attempts.append("TRUNCATE merkle_nodes" if engine.dialect.name == "postgresql" else
                    "REPLACE INTO merkle_nodes SELECT * FROM merkle_nodes")  # fmt: skip
    for sql in attempts:
        refused = pytest.raises(AppendOnlyViolation, match="the merkle_nodes table is append-only")
        with refused, translate_errors(), engine.begin() as conn:
            conn.execute(text(sql))
    assert_matches_reference(engine)


def test_an_append_that_needs_a_missing_node_is_refused(engine: Engine) -> None:
    with write_transaction(engine) as conn:
        es.append_many(conn, [(f"s{i}", [event(i)], 0) for i in range(7)], "tester")
    unprotect(engine)
    with engine.begin() as conn:
        conn.execute(text("DELETE FROM merkle_nodes WHERE level = 2"))
    refused = pytest.raises(IntegrityError, match=r"lacks the Merkle node \(level 2, index 0\)")
    with refused, write_transaction(engine) as conn:
        es.append(conn, "s7", [event(7)], 0, "tester")  # leaf 7 completes (1, 3), (2, 1) and (3, 0)
    with engine.connect() as conn:
        assert conn.execute(text("SELECT count(*) FROM events")).scalar() == 7  # nothing written


@pytest.fixture
def url(db_url: str) -> str:
    led = Ledger(db_url, actor="tester")
    led.init()
    led.open_question("Will it rain?", "YES if it rains", question_id="rain", opened=date(2000, 1, 1))
    for i in range(5):
        led.record_forecast("rain", f"Forecaster {i}", 0.1 + i / 10, date(2020, 1, 1 + i))
    led.close()  # six events: nodes (1, 0), (1, 1), (1, 2), (2, 0)
    return db_url


@pytest.mark.parametrize(
    ("sql", "says"),
    [
        (
            "UPDATE merkle_nodes SET hash = :h WHERE level = 1 AND node_index = 1",
            ["node (level 1, index 1) does not match the events at positions 3 to 4"],
        ),
        ("DELETE FROM merkle_nodes WHERE level = 2", ["lacks its node (level 2, index 0)"]),
        ("INSERT INTO merkle_nodes VALUES (3, 0, :h)", ["holds a node (level 3, index 0)"]),
    ],
)
def test_a_tampered_stored_tree_is_caught_by_verify(url: str, sql: str, says: list[str]) -> None:
    engine = make_engine(url)
    try:
        assert CliRunner().invoke(app, ["--db", url, "verify"]).exit_code == 0
        unprotect(engine)
        with engine.begin() as conn:
            conn.execute(text(sql), {"h": hashlib.sha256(b"forged").digest()})
    finally:
        engine.dispose()
    assert_caught(CliRunner().invoke(app, ["--db", url, "verify"]), *says)
