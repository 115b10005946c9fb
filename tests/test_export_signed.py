"""A bundle proves itself: `tracker export all` carries the newest kept checkpoint its events cover (and, with
--key, the public key it was checked against), and `tracker verify-proof BUNDLE --key PUB` recomputes every row's
chain hash and the signed Merkle root from the bundle alone; any changed, dropped or reordered row, a wrong key or
a forged checkpoint is "not verified"."""

from __future__ import annotations

import json
import zipfile
from datetime import date
from pathlib import Path

import pandas as pd
import pytest
from test_cli import failed
from test_proofs import NAME, keys, tracker, url  # noqa: F401 (fixtures)

from tracker.app.ledger import Ledger
from tracker.errors import IntegrityError, UserError


def _signed(url: str, keys: tuple[Path, str]) -> None:  # noqa: F811
    result = tracker("--db", url, "checkpoint", "--key", str(keys[0]))
    assert result.exit_code == 0, result.output


@pytest.mark.parametrize("fmt", ["csv", "parquet", "xlsx", "jsonl"])
def test_a_bundle_carries_its_checkpoint_and_verifies_offline(
    url: str,  # noqa: F811
    keys: tuple[Path, str],  # noqa: F811
    tmp_path: Path,
    fmt: str,
) -> None:
    _signed(url, keys)
    # one event after the checkpoint: the bundle holds it, chained, beyond the signed tree
    led = Ledger(url, actor="tester")
    qid = led.open_question("Will it snow?", "YES if it snows", question_id="snow", opened=date(2000, 1, 1))
    led.record_forecast(qid, "Ann Example", 0.1, date(2020, 1, 3), forecast_id="ann-snow")
    led.close()
    out = tmp_path / f"bundle-{fmt}"
    result = tracker("--db", url, "export", "all", "--out", str(out), "--format", fmt, "--key", keys[1])
    assert result.exit_code == 0, result.output
    assert "checkpoint 1 (the first 5 events) is in the bundle" in result.stdout
    meta = json.loads((out / "_meta.json").read_text(encoding="utf-8"))
    assert meta["checkpoint"]["tree_size"] == 5 and meta["checkpoint"]["key_file"] == "key.txt"
    assert (out / "key.txt").read_text(encoding="utf-8").strip() == keys[1]
    checked = tracker("verify-proof", str(out), "--key", keys[1])
    if fmt == "xlsx":  # Excel keeps milliseconds; the chain hashes microseconds
        failed(checked, UserError, ["Excel bundle keeps times to the millisecond"])
        return
    assert checked.exit_code == 0, checked.output
    assert f"the bundle's 7 events chain, and the first 5 are the log {NAME}" in checked.stdout


def _rewrite_events(bundle: Path, change: object) -> None:
    path = bundle / "events.csv"
    frame = pd.read_csv(path, dtype=str, keep_default_na=False)
    change(frame).to_csv(path, index=False)  # type: ignore[operator]


@pytest.mark.parametrize(
    ("change", "says"),
    [
        (lambda f: f.assign(payload=f["payload"].str.replace("0.3", "0.4")), "position 2 is not the one"),
        (lambda f: f.drop(index=2), "position 3 is missing"),
        (lambda f: f.drop(index=len(f) - 1), "the bundle holds 4"),
        (lambda f: f.assign(payload=f["payload"].iloc[::-1].to_numpy()), "is not the one hashed"),
    ],
    ids=["edited", "dropped", "truncated", "swapped"],
)
def test_a_changed_bundle_is_not_verified(
    url: str,  # noqa: F811
    keys: tuple[Path, str],  # noqa: F811
    tmp_path: Path,
    change: object,
    says: str,
) -> None:
    _signed(url, keys)
    out = tmp_path / "bundle"
    assert tracker("--db", url, "export", "all", "--out", str(out), "--format", "csv").exit_code == 0
    _rewrite_events(out, change)
    failed(tracker("verify-proof", str(out), "--key", keys[1]), IntegrityError, [says])


def test_a_wrong_key_is_refused_at_export_and_at_verification(
    url: str,  # noqa: F811
    keys: tuple[Path, str],  # noqa: F811
    tmp_path: Path,
) -> None:
    other = tracker("keygen", "--out", str(tmp_path / "other.key"), "--name", NAME).stdout.strip()
    out = tmp_path / "bundle.zip"
    # no checkpoint kept yet: --key has nothing to publish; nothing written
    failed(
        tracker("--db", url, "export", "all", "--out", str(out), "--key", keys[1]), UserError, ["keeps no checkpoint"]
    )
    assert not out.exists()
    _signed(url, keys)
    failed(tracker("--db", url, "export", "all", "--out", str(out), "--key", other), UserError, ["not signed by"])
    assert not out.exists()
    assert tracker("--db", url, "export", "all", "--out", str(out)).exit_code == 0
    with zipfile.ZipFile(out) as archive:
        assert "checkpoint.txt" in archive.namelist() and "key.txt" not in archive.namelist()
    assert tracker("verify-proof", str(out), "--key", keys[1]).exit_code == 0
    failed(tracker("verify-proof", str(out), "--key", other), IntegrityError, ["not verified"])
    single = tmp_path / "events.csv"
    failed(tracker("--db", url, "export", "events", "--out", str(single), "--key", keys[1]), UserError, ["--key"])
    assert not single.exists()


def test_a_bundle_without_a_checkpoint_says_so(url: str, keys: tuple[Path, str], tmp_path: Path) -> None:  # noqa: F811
    out = tmp_path / "bundle"
    assert tracker("--db", url, "export", "all", "--out", str(out), "--format", "csv").exit_code == 0
    assert json.loads((out / "_meta.json").read_text(encoding="utf-8"))["checkpoint"] is None
    failed(tracker("verify-proof", str(out), "--key", keys[1]), IntegrityError, ["carries no checkpoint"])


def test_a_witness_named_for_a_bundle_is_counted_not_ignored(
    url: str,  # noqa: F811
    keys: tuple[Path, str],  # noqa: F811
    tmp_path: Path,
) -> None:
    """The kept checkpoint carries no cosignature: a witness named with --witness is reported as 0 of 1 checked."""
    witness = tracker("keygen", "--out", str(tmp_path / "w.key"), "--name", "w.example/w1", "--cosigner").stdout
    _signed(url, keys)
    out = tmp_path / "bundle"
    assert tracker("--db", url, "export", "all", "--out", str(out), "--format", "csv").exit_code == 0
    checked = tracker("verify-proof", str(out), "--key", keys[1], "--witness", witness.strip())
    assert checked.exit_code == 0, checked.output
    assert "cosignatures checked: 0 of 1 witnesses" in checked.stdout


def test_a_damaged_zip_bundle_is_not_verified_never_an_internal_error(
    url: str,  # noqa: F811
    keys: tuple[Path, str],  # noqa: F811
    tmp_path: Path,
) -> None:
    """A byte changed anywhere in a zipped bundle: "not verified" in one line (exit 7) where it touches what is
    checked, verified where it does not (another table, a member's time), and never exit 70 (a bad CRC, a broken
    deflate stream, a damaged header)."""
    _signed(url, keys)
    out = tmp_path / "bundle.zip"
    assert tracker("--db", url, "export", "all", "--out", str(out), "--format", "csv").exit_code == 0
    data = out.read_bytes()
    damaged = tmp_path / "damaged.zip"
    codes = set()
    for i in range(0, len(data), max(1, len(data) // 60)):
        changed = bytearray(data)
        changed[i] ^= 0x5A
        damaged.write_bytes(bytes(changed))
        result = tracker("verify-proof", str(damaged), "--key", keys[1])
        codes.add(result.exit_code)
        if result.exit_code != 0:
            line = failed(result, result.exit_code, [])
            assert result.exit_code in (IntegrityError.exit_code, UserError.exit_code), (i, line)
    assert IntegrityError.exit_code in codes


@pytest.mark.parametrize(
    ("meta", "says"),
    [
        (lambda m: m | {"checkpoint": m["checkpoint"] | {"file": "../../outside.txt"}}, "not the name of a file"),
        (lambda m: m | {"tables": {"events": m["tables"]["events"] | {"file": "/etc/passwd"}}}, "not the name"),
        (lambda m: m | {"tables": {"events": {}}}, "cannot be read"),
        (lambda m: m | {"format": "nope"}, "cannot be read"),
        (lambda m: "[" * 100_000 + "]" * 100_000, "cannot be read"),
    ],
    ids=["checkpoint-outside", "events-absolute", "events-no-file", "unknown-format", "nested-too-deeply"],
)
def test_a_bundle_folder_whose_meta_was_tampered_with_is_not_verified(
    url: str,  # noqa: F811
    keys: tuple[Path, str],  # noqa: F811
    tmp_path: Path,
    meta: object,
    says: str,
) -> None:
    _signed(url, keys)
    out = tmp_path / "bundle"
    assert tracker("--db", url, "export", "all", "--out", str(out), "--format", "csv").exit_code == 0
    (tmp_path / "outside.txt").write_text("not a checkpoint\n", encoding="utf-8")
    given = json.loads((out / "_meta.json").read_text(encoding="utf-8"))
    changed = meta(given)  # type: ignore[operator]
    (out / "_meta.json").write_text(changed if isinstance(changed, str) else json.dumps(changed), encoding="utf-8")
    failed(tracker("verify-proof", str(out), "--key", keys[1]), IntegrityError, ["not verified", says])


def test_a_link_in_a_bundle_folder_is_not_followed(
    url: str,  # noqa: F811
    keys: tuple[Path, str],  # noqa: F811
    tmp_path: Path,
) -> None:
    _signed(url, keys)
    out = tmp_path / "bundle"
    assert tracker("--db", url, "export", "all", "--out", str(out), "--format", "csv").exit_code == 0
    (out / "events.csv").rename(tmp_path / "events.csv")
    (out / "events.csv").symlink_to(tmp_path / "events.csv")
    failed(tracker("verify-proof", str(out), "--key", keys[1]), IntegrityError, ["not a regular file"])
