"""`tracker site`: the ledger as a static site (tracker.app.site)."""

from __future__ import annotations

from pathlib import Path

import typer

from tracker.cli import reading as rd
from tracker.cli.common import emit_json, ledger, say, warn
from tracker.words import plural


def register(app: typer.Typer) -> None:
    @app.command("site")
    def site(
        ctx: typer.Context,
        out: Path = typer.Option(
            ...,
            "--out",
            help="The folder to write: missing, empty, or a site written before (its pages are replaced; it keeps "
            "a manifest of them, .tracker-site.json). A folder holding anything else is refused.",
        ),
        force: bool = typer.Option(
            False,
            "--force",
            help="Build in a folder that holds other files too (a CNAME, .git/): they are left in place, only the "
            "site's own files are written or removed. The ledger's files are never touched.",
        ),
        as_of_: str = rd.AS_OF,
        run: int = rd.RUN,
        top: int = typer.Option(
            50, "--top", min=1, help="Forecasters on the index page (all are on forecasters.html)."
        ),
        json_out: bool = typer.Option(False, "--json", help="Print a summary as JSON."),
        key: str = typer.Option(
            None,
            "--key",
            help="The log's public key (NAME+KEYID+KEY, or a file holding it): pages carry proofs of their events "
            "against the checkpoints, checked in the reader's browser. Kept in checkpoints/key.txt for later builds.",
        ),
        checkpoint: list[Path] = typer.Option(
            [],
            "--checkpoint",
            help="A checkpoint file ('tracker checkpoint') to publish and prove pages against (repeatable); the "
            "site keeps every checkpoint it published in checkpoints/.",
        ),
    ) -> None:
        """A static site of the ledger: leaderboard (per tag and outlet too), a page per forecaster, question and
        source, open and due questions, hindsight-flagged forecasts, an integrity page and a search. It needs no
        network and works from file://. It checks the ledger's hash chain: the first build from genesis, a
        rebuild only the events added since the head the last build verified (and that this head still stands);
        'tracker verify' checks everything (the Merkle tree, the projections, the scores too). Exits non-zero
        (after writing the site, which says so) if the check fails."""
        from tracker.app.site import build_site
        from tracker.errors import IntegrityError

        verifier = None
        notes: list[tuple[str, str]] = []
        if key is not None or checkpoint:
            from tracker.app import proofs

            verifier = proofs.load_verifier(key) if key is not None else None
            notes = [(str(p), proofs.read_checkpoint(p)[0]) for p in checkpoint]
        summary = build_site(ledger(ctx), out, as_of_, run, top=top, force=force, key=verifier, checkpoints=notes)
        if json_out:
            emit_json(
                {
                    "out": str(out),
                    "index": str(out / "index.html"),
                    "pages": summary.pages,
                    "files": summary.files,
                    "bytes": summary.bytes,
                    "head_position": summary.head_position,
                    "head_hash": summary.head_hash,
                    "verified_ok": summary.verified_ok,
                    "verified_at": summary.verified_at,
                    "as_of": summary.as_of,
                    "forecasters": summary.forecasters,
                    "questions": summary.questions,
                    "sources": summary.sources,
                }
            )
        else:
            say(
                f"wrote {plural(summary.pages, 'page')} ({summary.bytes / 1e6:.1f} MB) to {out}: "
                f"{plural(summary.forecasters, 'forecaster')}, {plural(summary.questions, 'question')}, "
                f"{plural(summary.sources, 'source')}"
            )
            say(f"open {out / 'index.html'}")
            say(f"head: {summary.head_position}:{summary.head_hash} (verified {summary.verified_at})")
        behind = summary.verification.get("since_problem")
        if behind:
            warn(f"note: {behind}; the whole chain was checked from genesis")
        if not summary.verified_ok:
            problem = summary.verification.get("problem")
            raise IntegrityError(f"verification failed: {problem} (the site at {out} says so)")
