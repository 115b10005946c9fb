"""`tracker import` of one generated catalog by two versions of the code, in alternation (BENCHMARKS.md).

    python benchmarks/catalog_before_after.py QUESTIONS ROUNDS OLD_TREE NEW_TREE [POSTGRES_ADMIN_URL]

OLD_TREE and NEW_TREE are source trees of the project (e.g. `git archive COMMIT | tar -x -C DIR`); each import
runs in a fresh process with that tree first on PYTHONPATH, timed around `import_catalog` (the first import,
then the same catalog again, which writes nothing), in wall and CPU time (`time.process_time`: on a loaded
machine the comparable one). Every question is written to one questions.yaml, which any
version reads. Prints one JSON object: the counts, the load average, and each side's timings per round.

With POSTGRES_ADMIN_URL (a libpq URL of a database to connect to for CREATE DATABASE), each import goes into a
PostgreSQL database made for it and dropped after it, and each round also records the server's CPU over the
process and over each import (the CPU of the backends serving that database, `pg_cpu`: the server is local).
"""

from __future__ import annotations

import json
import os
import subprocess
import sys
import tempfile
from pathlib import Path

HERE = str(Path(__file__).resolve().parent)
sys.path.insert(0, HERE)
from catalog_gen import write_catalog  # noqa: E402
from pg_before_after import psql, url_of  # noqa: E402
from pg_cpu import wait_with_backends  # noqa: E402

ONE = """
import json, sys, time
from datetime import date
from pathlib import Path
from tracker.app.importer import import_catalog
from tracker.app.ledger import Ledger
root, url, bench, db = Path(sys.argv[1]), sys.argv[2], sys.argv[3], sys.argv[4]
sys.path.append(bench)
from pg_cpu import backends_cpu
def server():  # the CPU so far of the backends serving the ledger (they live as long as this process's pool)
    return sum(cpu for _, cpu in backends_cpu([db]).values()) if db else 0.0
led = Ledger(url, actor="bench")
led.init()
led.today = lambda: date(2026, 1, 1)
t, c, s = time.perf_counter(), time.process_time(), server()
n = import_catalog(led, [root / "predictions"]).appended
first, first_cpu, first_server = time.perf_counter() - t, time.process_time() - c, server() - s
t, c, s = time.perf_counter(), time.process_time(), server()
m = import_catalog(led, [root / "predictions"]).appended
again, again_cpu, again_server = time.perf_counter() - t, time.process_time() - c, server() - s
import tracker
print(json.dumps({"tree": tracker.__file__, "events": n, "import_s": first, "reimport_s": again, "again_events": m,
                  "import_cpu_s": first_cpu, "reimport_cpu_s": again_cpu,
                  "import_server_cpu_s": first_server, "reimport_server_cpu_s": again_server}))
"""


def main(questions: int, rounds: int, old: str, new: str, admin: str | None = None) -> None:
    root = Path(tempfile.mkdtemp())
    counts = write_catalog(root, questions, one_file=True)
    res: dict[str, list[dict[str, float]]] = {"A": [], "B": []}
    for r in range(rounds):
        for side, tree in (("A", old), ("B", new)):
            db = f"catalog_{side}{r}_{os.getpid()}"
            if admin:
                psql(admin, f'CREATE DATABASE "{db}"')
            url = url_of(admin, db) if admin else f"sqlite:///{root}/{side}{r}.sqlite"
            env = {**os.environ, "PYTHONPATH": tree}
            try:
                with tempfile.TemporaryFile() as stdout, tempfile.TemporaryFile() as stderr:
                    # Run from the catalog's folder: `python -c` puts the working directory first on sys.path, ahead
                    # of PYTHONPATH, so run from a checkout both sides would import that checkout's tracker.
                    proc = subprocess.Popen(
                        [sys.executable, "-c", ONE, str(root), url, HERE, db if admin else ""],
                        stdout=stdout,
                        stderr=stderr,
                        env=env,
                        cwd=root,
                    )
                    status, _, server = wait_with_backends(proc, [db] if admin else [])
                    stdout.seek(0)
                    stderr.seek(0)
                    out = subprocess.CompletedProcess(
                        proc.args, os.waitstatus_to_exitcode(status), stdout.read().decode(), stderr.read().decode()
                    )
            finally:
                if admin:
                    psql(admin, f'DROP DATABASE IF EXISTS "{db}"')
            if out.returncode:
                sys.exit(out.stderr[-2000:])
            res[side].append(json.loads(out.stdout.strip().splitlines()[-1]))
            if admin:
                res[side][-1]["server_cpu_s"] = server[db]  # the whole process: init and both imports
    print(json.dumps({"questions": questions, "counts": counts, "load": os.getloadavg(), **res}))


if __name__ == "__main__":
    main(int(sys.argv[1]), int(sys.argv[2]), sys.argv[3], sys.argv[4], *sys.argv[5:6])
