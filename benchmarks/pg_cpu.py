"""The CPU time of a PostgreSQL server on this machine (the benchmarks' server runs at 127.0.0.1)."""

from __future__ import annotations

import os

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
