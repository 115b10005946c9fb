"""`tracker site --out`: a build writes, replaces and removes only the files it wrote itself (listed with their
hashes in the folder's manifest). The ledger, a CNAME, a .git/ folder, a hand-edited page, a link are never
touched; such a folder is refused (one line, nothing written) unless --force, which leaves them in place; a link
given as --out is refused; build folders a killed build left behind are removed by the next build."""

from __future__ import annotations

import fcntl
import json
import os
import shutil
from datetime import date
from pathlib import Path
from typing import Any

import pytest
from typer.testing import CliRunner

from tracker.app import outfiles, sitefolder
from tracker.app.ledger import Ledger
from tracker.app.site import MANIFEST, build_site
from tracker.cli.main import app
from tracker.errors import UserError

runner = CliRunner()


def everything(root: Path) -> dict[str, Any]:
    """Every entry under ``root`` (links not followed): a file's bytes, a link's target, a folder's mark."""
    out: dict[str, Any] = {}
    for dirpath, dirs, files in os.walk(root):
        for name in [*dirs, *files]:
            p = Path(dirpath) / name
            rel = str(p.relative_to(root))
            if p.is_symlink():
                out[rel] = ("link", os.readlink(p))
            elif p.is_dir():
                out[rel] = "dir"
            else:
                out[rel] = p.read_bytes()
    return out


def small(ledger: Ledger, n: int = 2) -> Ledger:
    for i in range(n):
        ledger.open_question(f"Will thing {i} happen?", "YES if it does", question_id=f"q{i}", opened=date(2020, 1, 1))
        ledger.record_forecast(f"q{i}", "Ann Example", 0.3, date(2020, 1, 2), quote="It is unlikely.")
    return ledger


def site(led: Ledger, out: Path, *args: str) -> Any:
    return runner.invoke(app, ["--db", led.url, "site", "--out", str(out), *args])


def one_line_refusal(result: Any, says: str) -> None:
    assert result.exit_code == UserError.exit_code, result.output
    lines = result.stderr.strip().splitlines()
    assert len(lines) == 1 and lines[0].startswith("error: out: ") and says in lines[0], lines
    assert "Traceback" not in result.output


# ------------------------------------------------------------------------------- the reported data loss


def test_a_site_folder_holding_the_ledger_is_refused_and_the_ledger_kept(tmp_path: Path) -> None:
    """The report: copy a ledger into a built site s/, then `tracker --db sqlite:///s/ledger.sqlite site --out s`
    removed the ledger (exit 0)."""
    first = Ledger(f"sqlite:///{tmp_path}/first.sqlite", actor="tester")
    first.init()
    small(first, 3)
    out = tmp_path / "s"
    assert site(first, out).exit_code == 0
    first.backup(out / "ledger.sqlite")  # a copy of the ledger (the file alone, no -wal beside it)
    first.close()
    inside = Ledger(f"sqlite:///{out}/ledger.sqlite", actor="tester")
    events = len(inside.events())
    before = everything(out)
    one_line_refusal(site(inside, out), "holds the ledger (ledger.sqlite)")
    assert everything(out) == before
    # --force builds beside it and never touches the ledger's files
    result = site(inside, out, "--force")
    assert result.exit_code == 0, result.output
    assert (out / "ledger.sqlite").is_file() and len(inside.events()) == events
    assert inside.verify()["ok"]
    assert "ledger.sqlite" not in json.loads((out / MANIFEST).read_text())["files"]
    assert (out / "index.html").is_file()
    # and a later build still refuses without --force
    one_line_refusal(site(inside, out), "holds the ledger")
    inside.close()


def test_a_ledger_reached_through_a_link_is_still_the_ledger(tmp_path: Path) -> None:
    real = tmp_path / "data"
    real.mkdir()
    led = Ledger(f"sqlite:///{real}/l.sqlite", actor="tester")
    led.init()
    small(led)
    (tmp_path / "s").mkdir()
    os.link(real / "l.sqlite", tmp_path / "s" / "index.html")  # the ledger under a page's name
    result = site(led, tmp_path / "s", "--force")
    assert result.exit_code == UserError.exit_code and "ledger's own file" in result.stderr, result.output
    assert os.path.samefile(real / "l.sqlite", tmp_path / "s" / "index.html") and led.verify()["ok"]
    led.close()


def test_outputs_never_replace_the_ledger(tmp_path: Path) -> None:
    led = Ledger(f"sqlite:///{tmp_path}/l.sqlite", actor="tester")
    led.init()
    small(led)
    before = (tmp_path / "l.sqlite").read_bytes()
    for args in (
        ["export", "forecasts", "--format", "csv", "--out", str(tmp_path / "l.sqlite")],
        ["report", "--out", str(tmp_path / "l.sqlite-wal")],
    ):
        result = runner.invoke(app, ["--db", led.url, *args])
        assert result.exit_code == UserError.exit_code and "ledger's own file" in result.stderr, result.output
    assert (tmp_path / "l.sqlite").read_bytes() == before
    led.close()


# ------------------------------------------------------------------------------- other people's files


def test_cname_git_and_hand_edited_pages_are_refused_then_left_in_place(ledger: Ledger, tmp_path: Path) -> None:
    small(ledger, 3)
    out = tmp_path / "s"
    build_site(ledger, out, page_rows=1)
    (out / "CNAME").write_text("forecasts.example.org\n")
    (out / ".git").mkdir()
    (out / ".git" / "config").write_text("[core]\n")
    before = everything(out)
    with pytest.raises(UserError, match=r"holds files the site did not write \(.git/config, CNAME\)"):
        build_site(ledger, out)
    assert everything(out) == before
    # --force: the site's pages are replaced, and the two-page lists of the first build (page_rows=1) are gone
    summary = build_site(ledger, out, force=True)
    after = everything(out)
    assert after["CNAME"] == b"forecasts.example.org\n" and after[".git/config"] == b"[core]\n"
    assert "questions-2.html" in before and "questions-2.html" not in after
    manifest = json.loads((out / MANIFEST).read_text())
    assert set(manifest["files"]) == {k for k, v in after.items() if v != "dir"} - {"CNAME", ".git/config", MANIFEST}
    assert len(manifest["files"]) == summary.files and "pending" not in manifest
    # a page edited by hand is no longer the site's: refused, then (with --force) replaced only by its own name
    (out / "CNAME").unlink()
    shutil.rmtree(out / ".git")
    (out / "about.html").write_text("mine")
    (out / "questions.html").write_text("edited")
    with pytest.raises(UserError, match=r"did not write \(about.html, questions.html\)"):
        build_site(ledger, out)
    build_site(ledger, out, force=True)
    assert (out / "about.html").read_text() == "mine" and (out / "questions.html").read_text() != "edited"


def test_a_page_removed_from_the_ledger_view_is_removed_from_the_folder(ledger: Ledger, tmp_path: Path) -> None:
    small(ledger, 3)
    out = tmp_path / "s"
    build_site(ledger, out, page_rows=1)
    assert (out / "questions-3.html").is_file()
    build_site(ledger, out)
    assert not (out / "questions-3.html").exists() and not (out / "questions-2.html").exists()
    assert set(json.loads((out / MANIFEST).read_text())["files"]) == {
        k for k, v in everything(out).items() if v != "dir"
    } - {MANIFEST}


def test_unchanged_pages_are_not_rewritten(ledger: Ledger, tmp_path: Path) -> None:
    small(ledger)
    out = tmp_path / "s"
    build_site(ledger, out)
    stamps = {p: (p.stat().st_ino, p.stat().st_mtime_ns) for p in out.rglob("*.html")}
    build_site(ledger, out)
    assert {p: (p.stat().st_ino, p.stat().st_mtime_ns) for p in out.rglob("*.html")} == stamps


# ------------------------------------------------------------------------------- links and odd targets


def test_out_as_a_link_is_refused_and_kept(ledger: Ledger, tmp_path: Path) -> None:
    small(ledger)
    real = tmp_path / "real"
    build_site(ledger, real)
    link = tmp_path / "link"
    link.symlink_to(real)
    before, beside = everything(real), sorted(p.name for p in tmp_path.iterdir())
    one_line_refusal(site(ledger, link), "symbolic link")
    one_line_refusal(site(ledger, link, "--force"), "symbolic link")
    assert link.is_symlink() and os.readlink(link) == str(real)
    assert everything(real) == before and sorted(p.name for p in tmp_path.iterdir()) == beside  # no .old-*


def test_a_linked_subfolder_is_never_written_through(ledger: Ledger, tmp_path: Path) -> None:
    small(ledger)
    out = tmp_path / "s"
    build_site(ledger, out)
    elsewhere = tmp_path / "elsewhere"
    (out / "questions").rename(elsewhere)
    (out / "questions").symlink_to(elsewhere)
    before = everything(elsewhere)
    with pytest.raises(UserError, match="did not write"):
        build_site(ledger, out)
    with pytest.raises(UserError, match="symbolic link"):
        build_site(ledger, out, force=True)
    assert everything(elsewhere) == before


@pytest.mark.parametrize("kind", ["file", "fifo"])
def test_out_that_is_no_folder_is_refused(ledger: Ledger, tmp_path: Path, kind: str) -> None:
    (tmp_path / "o").mkdir()
    target = tmp_path / "o" / "t"
    if kind == "file":
        target.write_text("x")
    else:
        os.mkfifo(target)
    one_line_refusal(site(ledger, target, "--force"), "not a directory")
    assert sorted(p.name for p in (tmp_path / "o").iterdir()) == ["t"]


def test_out_that_cannot_be_listed_is_refused(ledger: Ledger, unlistable_dir: Path) -> None:
    """What a folder holds must be known before a build writes into it: one that cannot be listed is refused in one
    line (exit 3), never an internal error."""
    one_line_refusal(site(small(ledger), unlistable_dir, "--force"), "cannot ")


# ------------------------------------------------------------------------------- killed builds


def test_build_folders_left_by_killed_builds_are_removed(ledger: Ledger, tmp_path: Path) -> None:
    small(ledger)
    out = tmp_path / "site"
    build_site(ledger, out)
    # what an earlier version's killed build left beside the folder: a copy of the site
    old_tmp = tmp_path / ".site.tmp-0badf00d"
    shutil.copytree(out, old_tmp)
    (old_tmp / MANIFEST).unlink()
    # not recognised as a build folder: a foreign file in it, or a name the tracker never gives
    kept_a = tmp_path / ".site.tmp-0000beef"
    kept_a.mkdir()
    (kept_a / "notes.txt").write_text("mine")
    kept_b = tmp_path / ".site.tmp-mine"
    kept_b.mkdir()
    # this version's build folders inside: one whose build was killed, one whose build is still running
    dead = out / f"{sitefolder.BUILD_PREFIX}0123abcd"
    (dead / "questions").mkdir(parents=True)
    (dead / sitefolder.BUILD_LOCK).write_text("")
    (dead / "questions" / "q0.html").write_text("half")
    running = out / f"{sitefolder.BUILD_PREFIX}4567cdef"
    running.mkdir()
    lock = os.open(running / sitefolder.BUILD_LOCK, os.O_CREAT | os.O_WRONLY)
    fcntl.flock(lock, fcntl.LOCK_EX)
    try:
        build_site(ledger, out)  # the build folders are not "files the site did not write"
        assert not old_tmp.exists() and not dead.exists()
        assert (kept_a / "notes.txt").read_text() == "mine" and kept_b.is_dir() and running.is_dir()
    finally:
        os.close(lock)
    build_site(ledger, out)
    assert not running.exists()


def test_a_build_killed_while_moving_its_pages_is_recognised_by_the_next(
    ledger: Ledger, tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    small(ledger, 3)
    out = tmp_path / "s"
    build_site(ledger, out)
    ledger.resolve("q0", "yes", date(2021, 1, 1))
    ledger.score()
    real_move = outfiles.move_into_place
    moved: list[Path] = []

    def dies_after_two(
        src: Path, target: Path, field: str = "out", *, synced: bool = False, overwrite: bool = False
    ) -> None:
        if len(moved) == 2:
            raise KeyboardInterrupt  # the kill
        real_move(src, target, field, synced=synced, overwrite=overwrite)
        moved.append(target)

    monkeypatch.setattr(outfiles, "move_into_place", dies_after_two)
    with pytest.raises(KeyboardInterrupt):
        build_site(ledger, out)
    assert "pending" in json.loads((out / MANIFEST).read_text())
    monkeypatch.setattr(outfiles, "move_into_place", real_move)
    build_site(ledger, out)  # no --force needed: half old pages, half new, all the site's
    manifest = json.loads((out / MANIFEST).read_text())
    assert "pending" not in manifest
    assert not [p for p in out.iterdir() if p.name.startswith(sitefolder.BUILD_PREFIX)]


def test_a_forged_manifest_claims_nothing(ledger: Ledger, tmp_path: Path) -> None:
    """Listing a file in the manifest does not make it the site's: its hash must match, and only the names a
    site has count (not ../ paths, not the ledger)."""
    small(ledger)
    out = tmp_path / "s"
    build_site(ledger, out)
    (out / "notes.txt").write_text("mine")
    manifest = json.loads((out / MANIFEST).read_text())
    manifest["files"]["notes.txt"] = {"sha256": sitefolder.sha256(b"mine"), "bytes": 4}
    manifest["files"]["../victim.html"] = {"sha256": "0" * 64, "bytes": 1}
    (out / MANIFEST).write_text(json.dumps(manifest))
    (tmp_path / "victim.html").write_text("outside")
    with pytest.raises(UserError, match=r"did not write \(notes.txt\)"):
        build_site(ledger, out)
    build_site(ledger, out, force=True)
    assert (out / "notes.txt").read_text() == "mine" and (tmp_path / "victim.html").read_text() == "outside"


def test_a_site_of_an_earlier_version_is_named_as_such(ledger: Ledger, tmp_path: Path) -> None:
    small(ledger)
    out = tmp_path / "s"
    build_site(ledger, out)
    (out / MANIFEST).unlink()
    (out / sitefolder.OLD_MARKER).write_text("A static site written by `tracker site`\n")
    before = everything(out)
    with pytest.raises(UserError, match="built by an earlier version, which kept no manifest"):
        build_site(ledger, out)
    assert everything(out) == before


# ------------------------------------------------------------------------------- the survey trusts a recorded stat


def age(out: Path, seconds: int = 3600) -> None:
    """Every file of the site as if written ``seconds`` ago (the manifest keeps its own mtime)."""
    for p in out.rglob("*"):
        if p.is_file() and p.name != MANIFEST:
            st = p.stat()
            os.utime(p, ns=(st.st_atime_ns, st.st_mtime_ns - seconds * 10**9))


def test_a_rebuild_hashes_no_file_whose_stat_is_the_recorded_one(
    ledger: Ledger, tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    small(ledger, 3)
    out = tmp_path / "s"
    build_site(ledger, out)
    hashed: list[Path] = []
    real = sitefolder.file_sha256

    def counted(path: Path) -> str:
        hashed.append(path)
        return real(path)

    monkeypatch.setattr(sitefolder, "file_sha256", counted)
    # just written: within the margin of the manifest's mtime, so every file is hashed
    build_site(ledger, out)
    files = set(json.loads((out / MANIFEST).read_text())["files"])
    assert {str(p.relative_to(out)) for p in hashed} == files
    age(out)  # an hour old now: the recorded mtimes no longer match, so hashed once more, and recorded again
    hashed.clear()
    build_site(ledger, out)
    # by the survey before the build; the check before the move takes the stats that survey saw
    assert len(hashed) == len(files)
    hashed.clear()
    build_site(ledger, out)
    assert hashed == []
    entry = json.loads((out / MANIFEST).read_text())["files"]["questions.html"]
    st = (out / "questions.html").stat()
    assert (entry["bytes"], entry["mtime_ns"], entry["ino"]) == (st.st_size, st.st_mtime_ns, st.st_ino)


@pytest.mark.parametrize("edit", ["same size, new mtime", "same size, older mtime", "other size, same mtime"])
def test_a_page_edited_by_hand_is_still_found_without_hashing_the_rest(
    ledger: Ledger, tmp_path: Path, edit: str
) -> None:
    small(ledger, 3)
    out = tmp_path / "s"
    build_site(ledger, out)
    age(out)
    build_site(ledger, out)  # records the aged stats
    page = out / "questions.html"
    st = page.stat()
    text = page.read_bytes()
    if edit.startswith("same size"):
        page.write_bytes(text.replace(b"Questions", b"QUESTIONS", 1))
        assert page.stat().st_size == st.st_size
    else:
        page.write_bytes(text + b"<!-- mine -->")
    if edit == "same size, older mtime":
        os.utime(page, ns=(st.st_atime_ns, st.st_mtime_ns - 10**9))
    elif edit == "other size, same mtime":
        os.utime(page, ns=(st.st_atime_ns, st.st_mtime_ns))
    edited = everything(out)
    with pytest.raises(UserError, match=r"did not write \(questions.html\)"):
        build_site(ledger, out)
    assert everything(out) == edited
    build_site(ledger, out, force=True)
    assert (out / "questions.html").read_bytes() == text


def _during_the_build(monkeypatch: pytest.MonkeyPatch, act: Any) -> None:
    """Run ``act`` right after the pages are made, before the build moves them into place."""
    from tracker.app.site import SiteBuilder

    real = SiteBuilder.build

    def build(self: SiteBuilder, *args: Any) -> None:
        real(self, *args)
        act()

    monkeypatch.setattr(SiteBuilder, "build", build)


@pytest.mark.parametrize("edit", ["same size", "other size"])
def test_a_kept_page_edited_during_the_build_stops_it(
    ledger: Ledger, tmp_path: Path, monkeypatch: pytest.MonkeyPatch, edit: str
) -> None:
    """The check before the move (`sitefolder.recheck`) finds a page the build keeps edited since the survey
    (same size or not: its new mtime is too recent to trust), and nothing is moved."""
    small(ledger, 3)
    out = tmp_path / "s"
    build_site(ledger, out)
    age(out)
    build_site(ledger, out)  # records the aged stats
    ledger.record_forecast("q2", "Bo Example", 0.6, date(2020, 1, 3))  # a new page and a few changed ones
    page = out / "questions" / "q0.html"
    text = page.read_bytes()
    mine = text.replace(b"Will", b"WILL", 1) if edit == "same size" else text + b"<!-- x -->"
    before = everything(out)
    _during_the_build(monkeypatch, lambda: page.write_bytes(mine))
    with pytest.raises(UserError, match=r"did not write \(questions/q0.html\)"):
        build_site(ledger, out)
    assert everything(out) == before | {"questions/q0.html": mine}  # nothing moved, the edit kept


def test_a_file_put_where_a_new_page_goes_during_the_build_stops_it(
    ledger: Ledger, tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    small(ledger, 2)
    out = tmp_path / "s"
    build_site(ledger, out)
    ledger.record_forecast("q1", "Bo Example", 0.6, date(2020, 1, 3))
    mine = out / "forecasters" / "bo-example.html"
    assert not mine.exists()
    _during_the_build(monkeypatch, lambda: mine.write_bytes(b"mine"))
    with pytest.raises(UserError, match=r"did not write \(forecasters/bo-example.html\)"):
        build_site(ledger, out)
    assert mine.read_bytes() == b"mine"


@pytest.mark.parametrize(
    ("change", "refused"),
    [
        (lambda m: "[" * 100_000 + "]" * 100_000, True),  # no manifest a parser can read: every file is foreign
        (lambda m: m | {"files": {k: v | {"bytes": "x"} for k, v in m["files"].items()}}, False),
        (lambda m: m | {"summary": m["summary"] | {"verified_head": [10**30, "0" * 64]}}, False),
        (lambda m: m | {"summary": m["summary"] | {"verified_head": [2**63, "0" * 64]}}, False),
    ],
    ids=["nested-too-deeply", "size-not-a-number", "head-past-any-position", "head-past-a-bigint"],
)
def test_a_tampered_manifest_is_no_internal_error(ledger: Ledger, tmp_path: Path, change: Any, refused: bool) -> None:
    """The manifest is a file in a folder anyone may edit: whatever it holds, a rebuild either takes it for what it
    can prove or refuses the folder in one line, never exit 70."""
    out = tmp_path / "s"
    assert site(small(ledger), out).exit_code == 0
    manifest = json.loads((out / MANIFEST).read_text(encoding="utf-8"))
    changed = change(manifest)
    (out / MANIFEST).write_text(changed if isinstance(changed, str) else json.dumps(changed), encoding="utf-8")
    result = site(ledger, out)
    if refused:
        one_line_refusal(result, "refusing to build there")
    else:
        assert result.exit_code == 0, result.output
