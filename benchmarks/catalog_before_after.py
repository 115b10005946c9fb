"""`tracker import` of one generated catalog by two versions of the code, in alternation (BENCHMARKS.md).

    python benchmarks/catalog_before_after.py QUESTIONS ROUNDS OLD_TREE NEW_TREE [POSTGRES_ADMIN_URL]

OLD_TREE and NEW_TREE are source trees of the project (e.g. `git archive COMMIT | tar -x -C DIR`); each import
runs in a fresh process with that tree first on PYTHONPATH, timed around `import_catalog` (the first import,
then the same catalog again, which writes nothing), in wall and CPU time (`time.process_time`: on a loaded
machine the comparable one). Every question is written to one questions.yaml, which any
version reads. Prints one JSON object: the counts, the load average, and each side's timings per round.

With POSTGRES_ADMIN_URL (a libpq URL of a database to connect to for CREATE DATABASE), each import goes into a
PostgreSQL database made for it and dropped after it, and each round also records the server's CPU over the
process (`pg_before_after.server_cpu`: the server is local; it counts any other client's work at that moment).
"""

from __future__ import annotations

import json
import os
import subprocess
import sys
import tempfile
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parent))
from catalog_gen import write_catalog  # noqa: E402
from pg_before_after import psql, url_of  # noqa: E402
from pg_cpu import server_cpu  # noqa: E402

ONE = """
import json, sys, time
from datetime import date
from pathlib import Path
from tracker.app.importer import import_catalog
from tracker.app.ledger import Ledger
root, url = Path(sys.argv[1]), sys.argv[2]
led = Ledger(url, actor="bench")
led.init()
led.today = lambda: date(2026, 1, 1)
t, c = time.perf_counter(), time.process_time()
n = import_catalog(led, [root / "predictions"]).appended
first, first_cpu = time.perf_counter() - t, time.process_time() - c
t, c = time.perf_counter(), time.process_time()
m = import_catalog(led, [root / "predictions"]).appended
again, again_cpu = time.perf_counter() - t, time.process_time() - c
import tracker
print(json.dumps({"tree": tracker.__file__, "events": n, "import_s": first, "reimport_s": again, "again_events": m,
                  "import_cpu_s": first_cpu, "reimport_cpu_s": again_cpu}))
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
            srv = server_cpu() if admin else 0.0
            try:
                # Run from the catalog's folder: `python -c` puts the working directory first on sys.path, ahead of
                # PYTHONPATH, so run from a checkout both sides would import that checkout's tracker, not their tree.
                out = subprocess.run(
                    [sys.executable, "-c", ONE, str(root), url],
                    capture_output=True,
                    text=True,
                    env=env,
                    check=False,
                    cwd=root,
                )
                server = server_cpu() - srv
            finally:
                if admin:
                    psql(admin, f'DROP DATABASE IF EXISTS "{db}"')
            if out.returncode:
                sys.exit(out.stderr[-2000:])
            res[side].append(json.loads(out.stdout.strip().splitlines()[-1]))
            if admin:
                res[side][-1]["server_cpu_s"] = server
    print(json.dumps({"questions": questions, "counts": counts, "load": os.getloadavg(), **res}))


if __name__ == "__main__":
    main(int(sys.argv[1]), int(sys.argv[2]), sys.argv[3], sys.argv[4], *sys.argv[5:6])
