"""Commands of the proof-carrying ledger: keygen, checkpoint, proof, verify-proof.

tracker.app.proofs (and with it `cryptography`) is imported inside each command, so that other commands start
without it."""

from __future__ import annotations

import base64
import os
from pathlib import Path

import typer

from tracker.cli.common import FORCE, Commands, emit_json, ledger, one_line, say, warn

JSON = typer.Option(False, "--json", help="Machine-readable output.")
command = Commands()


@command(
    examples=(
        "tracker keygen --out ledger.key --name news.example/forecasts > pub.txt",
        "tracker keygen --out witness.key --name witness.example/w1 --cosigner > witness-pub.txt",
    )
)
def keygen(
    out: Path = typer.Option(..., "--out", help="The new private key file (created owner-only; never replaced)."),
    name: str = typer.Option(
        None,
        "--name",
        help="The log's name, on every checkpoint: a schema-less URL such as news.example/forecasts.",
    ),
    cosigner: bool = typer.Option(
        False, "--cosigner", help="A witness's key, for 'tracker cosign' (a C2SP tlog-cosignature key)."
    ),
) -> None:
    """Make an Ed25519 key pair for signing checkpoints: the private key goes to --out, the public key (with
    its note key id) is printed alone on stdout, for publishing."""
    from tracker.app import proofs
    from tracker.errors import UserError

    if cosigner and not name:
        raise UserError("a cosigner's key needs the witness's own --name (e.g. witness.example/w1)", "name")
    signer = proofs.keygen(name or proofs.DEFAULT_LOG_NAME, out, cosigner)
    say(signer.verifier.vkey)
    warn(
        f"private key written to {out} (owner-only); keep it out of the ledger and its backups' reach. "
        f"Publish the public key above (key id {signer.key_id:08x}): readers check proofs with it"
    )


@command(
    examples=(
        "tracker checkpoint --key ledger.key --out checkpoint-1.txt  # ledger.key from 'tracker keygen'",
        "tracker checkpoint --timestamp-token checkpoint-1.tsr --number 1  # exit 3 until a TSA's reply is saved there",
    )
)
def checkpoint(
    ctx: typer.Context,
    key: Path = typer.Option(None, "--key", help="The private key file made by 'tracker keygen'."),
    out: Path = typer.Option(None, "--out", help="Write the checkpoint to this new file (never replaced)."),
    timestamp_token: Path = typer.Option(
        None,
        "--timestamp-token",
        help="Instead of signing: attach this RFC 3161 token (DER, from a time-stamping authority) to a kept "
        "checkpoint, after checking it stamps that checkpoint's bytes (docs/proofs.md says how to get one).",
    ),
    number: int = typer.Option(
        None, "--number", min=1, help="With --timestamp-token: the kept checkpoint (default: the newest)."
    ),
) -> None:
    """Sign the ledger's current Merkle tree head: a C2SP checkpoint (log name, number of events, root hash)
    as a signed note, printed (or written to --out) and kept in the ledger ('tracker checkpoints' lists them).
    Refused when the log no longer extends the last checkpoint kept. 'tracker verify --checkpoint' proves the
    log still extends any checkpoint you published. With --timestamp-token, attach a time-stamping
    authority's token to a kept checkpoint instead."""
    from tracker.app import outfiles, proofs
    from tracker.errors import UserError

    led = ledger(ctx)
    if timestamp_token is not None:
        if key is not None or out is not None:
            raise UserError("--timestamp-token attaches a token to a kept checkpoint: no --key or --out", "key")
        cp_number, algorithm = proofs.attach_timestamp(led, timestamp_token, number)
        say(f"time-stamp token ({algorithm} of the note) attached to checkpoint {cp_number}")
        return
    if number is not None:
        raise UserError("--number goes with --timestamp-token", "number")
    if key is None:
        raise UserError("give --key (sign a checkpoint) or --timestamp-token (attach a token)", "key")
    if out is not None:  # refused before any work: a link, a device, an existing file, the ledger, the key
        outfiles.check_file_target(out, "out", forceable=False, inputs=(key,))
    note = proofs.checkpoint(led, proofs.load_signer(key))
    if out is None:
        typer.echo(note, nl=False)
        return
    with outfiles.atomic_path(out, "out", forceable=False, inputs=(key,)) as tmp:
        tmp.write_text(note, encoding="utf-8")
    size = note.split("\n")[1]
    say(f"checkpoint of {size} events written to {out}")


@command(examples=("tracker checkpoints", "tracker checkpoints --json"))
def checkpoints(
    ctx: typer.Context,
    number: int = typer.Option(
        None, "--number", min=1, help="Print only this checkpoint's signed note, exactly as kept."
    ),
    json_out: bool = JSON,
) -> None:
    """List every checkpoint 'tracker checkpoint' signed and kept, oldest first: number, events covered, root
    hash, when signed, time-stamp tokens attached. With --number N, print that checkpoint's note (what
    'verify --checkpoint' reads); with --json, every note and token (base64 DER) in full."""
    from tracker.app import proofs
    from tracker.errors import NotFound

    led = ledger(ctx)
    kept = proofs.stored_checkpoints(led, number)
    if number is not None and not kept:
        raise NotFound(f"no checkpoint number {number} is kept", "number")
    stamps: dict[int, list[dict[str, str]]] = {}
    for t in proofs.stored_timestamps(led):
        stamps.setdefault(t.checkpoint_number, []).append(
            {
                "hash_algorithm": t.hash_algorithm,
                "token_base64": base64.b64encode(t.token).decode("ascii"),
                "attached_at": t.attached_at.isoformat(),
            }
        )
    if json_out:
        emit_json(
            [
                {
                    "number": c.number,
                    "tree_size": c.tree_size,
                    "root_hash": c.root_hash,
                    "signed_at": c.signed_at.isoformat(),
                    "note": c.note,
                    "timestamp_tokens": stamps.get(c.number, []),
                }
                for c in kept
            ]
        )
    elif number is not None:
        typer.echo(kept[0].note, nl=False)
    elif not kept:
        warn("no checkpoint kept yet: 'tracker checkpoint --key KEY' signs one")
    else:
        for c in kept:
            tokens = len(stamps.get(c.number, []))
            stamped = f"\t{tokens} time-stamp token{'s' if tokens > 1 else ''}" if tokens else ""
            say(f"{c.number}\t{c.tree_size} events\t{c.root_hash}\t{c.signed_at.isoformat()}{stamped}")


@command(
    examples=("tracker cosign checkpoint-1.txt --key witness.key --log-key pub.txt --out checkpoint-1-cosigned.txt",)
)
def cosign(
    checkpoint: Path = typer.Argument(..., help="A checkpoint file signed by the log."),
    key: Path = typer.Option(..., "--key", help="The witness's private key ('tracker keygen --cosigner')."),
    log_key: str = typer.Option(..., "--log-key", help="The log's public key, checked before cosigning."),
    out: Path = typer.Option(..., "--out", help="The cosigned checkpoint, a new file (never replaced)."),
) -> None:
    """Add a witness's cosignature (C2SP tlog-cosignature v1, timestamped now) to a checkpoint. A witness
    cosigns only a checkpoint it checked extends every one it cosigned before ('tracker verify --checkpoint'
    on a copy of the ledger); readers count cosignatures with 'tracker verify-proof --witness'."""
    import time

    from tracker.app import outfiles, proofs

    outfiles.check_file_target(out, "out", forceable=False, inputs=(checkpoint, key))
    note, _ = proofs.read_checkpoint(checkpoint)
    cosigned = proofs.cosign(note, proofs.load_signer(key), proofs.load_verifier(log_key, "log_key"), int(time.time()))
    with outfiles.atomic_path(out, "out", forceable=False, inputs=(checkpoint, key)) as tmp:
        tmp.write_text(cosigned, encoding="utf-8")
    say(f"cosigned checkpoint written to {out}")


@command(examples=("tracker proof alexandrov-exile-forces-can-be-sent --key ledger.key --out forecast.tlog-proof",))
def proof(
    ctx: typer.Context,
    forecast_id: str = typer.Argument(..., help="The forecast whose recording event to prove."),
    out: Path = typer.Option(..., "--out", help="The proof file to write (c2sp.org/tlog-proof@v1)."),
    key: Path = typer.Option(None, "--key", help="Sign a new checkpoint with this private key file."),
    against: Path = typer.Option(
        None, "--checkpoint", help="Prove against this earlier checkpoint file instead of signing a new one."
    ),
    log_key: str = typer.Option(
        None,
        "--log-key",
        help="With --checkpoint: the log's public key (NAME+KEYID+KEY, or a file holding it), which must have "
        "signed that checkpoint.",
    ),
    force: bool = FORCE,
) -> None:
    """Write a self-contained proof that a forecast is in the signed log: the event, its position, the Merkle
    inclusion path and the signed checkpoint. 'tracker verify-proof' checks it with no ledger. An earlier
    checkpoint (--checkpoint) is used only when the log's public key (--log-key) signed it."""
    from tracker.app import outfiles, proofs

    proofs.check_proof_sources(key=key is not None, checkpoint=against is not None, log_key=log_key is not None)
    led = ledger(ctx)
    # the files this reads, never written over, even with --force (--log-key may be a file holding the key)
    inputs = tuple(p for p in (key, against, log_key) if p is not None and os.path.isfile(p))
    outfiles.check_file_target(out, "out", overwrite=force, inputs=inputs)  # refused before any work
    if key is not None:
        text = proofs.prove(led, forecast_id, signer=proofs.load_signer(key))
    else:
        note, _ = proofs.read_checkpoint(against)
        verifier = proofs.load_verifier(log_key, "log_key")
        text = proofs.prove(led, forecast_id, checkpoint_note=note, log_key=verifier)
    with outfiles.atomic_path(out, "out", overwrite=force, inputs=inputs) as tmp:
        tmp.write_text(text, encoding="utf-8")
    say(f"proof of forecast {forecast_id} written to {out}")


@command(
    "verify-proof",
    examples=("tracker verify-proof forecast.tlog-proof --key pub.txt  # pub.txt from 'tracker keygen'",),
)
def verify_proof(
    file: Path = typer.Argument(
        ..., help="A proof file written by 'tracker proof', or a bundle ('tracker export all') with a checkpoint."
    ),
    key: str = typer.Option(..., "--key", help="The log's public key (NAME+KEYID+KEY), or a file holding it."),
    witness: list[str] = typer.Option(
        [], "--witness", help="A witness's public key: its cosignature is checked and counted (repeatable)."
    ),
    json_out: bool = JSON,
) -> None:
    """Check a proof offline, with no ledger: the checkpoint's signature by --key, the Merkle path from the event
    to the signed root, and the event's position. Exit 7 ("not verified: ...") when any check fails."""
    from tracker.app import proofs
    from tracker.app.export import bundle

    verifier = proofs.load_verifier(key)
    witnesses = tuple(proofs.load_verifier(w, "witness") for w in witness)
    if bundle.is_bundle(file):
        checked = bundle.verify_bundle(file, verifier, witnesses)
        if json_out:
            emit_json(checked)
            return
        say(
            one_line(
                f"verified: the bundle's {checked['events']} events chain, and the first {checked['tree_size']} "
                f"are the log {checked['log']} signed by the key {verifier.name}+{verifier.key_id:08x}"
            )
        )
        if witness:
            say(f"cosignatures checked: {checked['cosignatures']} of {len(witness)} witnesses")
        return
    text = proofs.read_proof_file(file)
    report = proofs.verify_proof(text, verifier, witnesses)
    if json_out:
        emit_json(report)
        return
    event, data = report["event"], report["event"]["data"]
    # Everything below comes out of the proof file: printed through one_line, which escapes what a terminal
    # would act on (the JSON form is escaped by emit_json).
    say(
        one_line(
            f"verified: event {event['position']} ({event['event_type']} on {event['stream_id']}, recorded "
            f"{event['recorded_at']}) is in the log {report['log']} of {report['tree_size']} events, signed by "
            f"the key {verifier.name}+{verifier.key_id:08x}"
        )
    )
    if witness:
        say(f"cosignatures checked: {report['cosignatures']} of {len(witness)} witnesses")
    if event["event_type"] == "ForecastRecorded":
        say(
            one_line(
                f"forecast {data.get('forecast_id')} by {data.get('forecaster')}, made {data.get('made_at')}: "
                f"{data.get('probabilities')}"
            )
        )
        if data.get("quote"):
            say(one_line(f"quote: {data['quote']}"))


register = command.register
