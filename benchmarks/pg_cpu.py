"""The CPU time of a PostgreSQL server on this machine (the benchmarks' server runs at 127.0.0.1)."""

from __future__ import annotations

import os
import subprocess
import time
from collections.abc import Iterable
from typing import Any

TICK = os.sysconf("SC_CLK_TCK")


def server_cpu() -> float:
    """CPU seconds (user + system) of every process named postgres, with what each has reaped of its exited
    children (the postmaster reaps a backend when its client disconnects). Readable by any user from /proc."""
    total = 0
    for pid in os.listdir("/proc"):
        if not pid.isdigit():
            continue
        try:
            with open(f"/proc/{pid}/stat", encoding="ascii", errors="replace") as f:
                stat = f.read()
        except OSError:  # the process ended meanwhile
            continue
        if not stat[stat.index("(") + 1 : stat.rindex(")")].startswith("postgres"):
            continue
        fields = stat[stat.rindex(")") + 2 :].split()
        total += sum(int(x) for x in fields[11:15])  # utime, stime, cutime, cstime (proc(5), from the state field)
    return total / TICK


def backends_cpu(dbnames: Iterable[str]) -> dict[int, tuple[str, float]]:
    """Each backend connected to one of `dbnames`, by process id: (its database, its CPU seconds so far, user +
    system). A backend's command line names its database ("postgres: 15/main: USER DB HOST(PORT) STATE")."""
    wanted = list(dbnames)
    out: dict[int, tuple[str, float]] = {}
    for pid in os.listdir("/proc"):
        if not pid.isdigit():
            continue
        try:
            with open(f"/proc/{pid}/cmdline", "rb") as f:
                words = f.read().decode(errors="replace").replace("\0", " ").split()
            if len(words) < 4 or words[0] != "postgres:" or words[3] not in wanted:
                continue
            with open(f"/proc/{pid}/stat", encoding="ascii", errors="replace") as f:
                stat = f.read()
        except OSError:  # the process ended meanwhile
            continue
        fields = stat[stat.rindex(")") + 2 :].split()
        out[int(pid)] = (words[3], (int(fields[11]) + int(fields[12])) / TICK)
    return out


def wait_with_backends(proc: subprocess.Popen[bytes], dbnames: Iterable[str]) -> tuple[int, Any, dict[str, float]]:
    """Wait for `proc` while sampling the CPU of the backends serving `dbnames` every 20 ms: (its wait status, its
    rusage, the CPU seconds the backends of each database used while it ran, new backends counted from zero).
    Unlike `server_cpu`, other clients' work on other databases is not counted; the last 20 ms of a backend
    that exits (its client disconnecting) may be missed."""
    names = list(dbnames)
    start = backends_cpu(names)
    last = dict(start)
    while True:
        pid, status, usage = os.wait4(proc.pid, os.WNOHANG)
        last.update(backends_cpu(names))
        if pid:
            used = dict.fromkeys(names, 0.0)
            for p, (db, cpu) in last.items():
                used[db] += cpu - start.get(p, (db, 0.0))[1]
            return status, usage, used
        time.sleep(0.02)
