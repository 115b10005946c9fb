"""Run a command in a pseudo-terminal of a chosen size, as a person at a terminal would see it.

`run_in_pty([sys.executable, "-c", code], columns=80)` or `run_in_pty([tracker, "list"], columns=80)` gives
(exit code, output). The child's stdin, stdout and stderr are the pty, so `isatty()` is true and
`os.get_terminal_size()` reports `columns`; COLUMNS and LINES say the same for programs that read them.
"""

from __future__ import annotations

import fcntl
import os
import pty
import re
import select
import struct
import subprocess
import termios
import time

# CSI (colours, cursor moves), OSC (titles, hyperlinks; ended by BEL or ST) and the other two-byte escapes.
_ANSI = re.compile(r"\x1b\[[0-?]*[ -/]*[@-~]|\x1b\][^\x07\x1b]*(?:\x07|\x1b\\)|\x1b[@-Z\\-_]")
_SGR = re.compile(r"\x1b\[[0-9;]*m")


def strip_ansi(text: str) -> str:
    """`text` without terminal escape sequences."""
    return _ANSI.sub("", text)


def strip_sgr(text: str) -> str:
    """`text` without colour and style sequences only: any other escape left in it is one a program did not
    mean to send."""
    return _SGR.sub("", text)


def run_in_pty(
    argv: list[str],
    columns: int = 80,
    env: dict[str, str] | None = None,
    timeout: float = 60,
    *,
    lines: int = 50,
    strip: bool = True,
) -> tuple[int, str]:
    """Run `argv` with a pty of `columns` x `lines` as its terminal and return (exit code, output).

    `env` is added to this process's environment. Output is decoded as UTF-8 (undecodable bytes shown as
    backslash escapes), with the pty's CRLF line ends made LF and, when `strip`, escape sequences removed.
    A command still running after `timeout` seconds is killed and `subprocess.TimeoutExpired` raised.
    """
    master, slave = pty.openpty()
    try:
        fcntl.ioctl(slave, termios.TIOCSWINSZ, struct.pack("HHHH", lines, columns, 0, 0))
        child_env = {**os.environ, "TERM": os.environ.get("TERM", "xterm-256color")}
        child_env.update(env or {})
        child_env.update(COLUMNS=str(columns), LINES=str(lines))
        proc = subprocess.Popen(
            argv, stdin=slave, stdout=slave, stderr=slave, env=child_env, close_fds=True, start_new_session=True
        )
    except BaseException:
        os.close(master)
        raise
    finally:
        os.close(slave)
    chunks: list[bytes] = []
    deadline = time.monotonic() + timeout
    try:
        while True:
            left = deadline - time.monotonic()
            if left <= 0:
                proc.kill()
                proc.wait()
                raise subprocess.TimeoutExpired(argv, timeout, output=b"".join(chunks))
            ready, _, _ = select.select([master], [], [], min(left, 0.5))
            if not ready:
                continue
            try:
                data = os.read(master, 65536)
            except OSError:  # EIO: every holder of the pty's other end has closed it
                break
            if not data:
                break
            chunks.append(data)
        code = proc.wait(timeout=max(deadline - time.monotonic(), 1))
    finally:
        os.close(master)
    output = b"".join(chunks).decode("utf-8", errors="backslashreplace").replace("\r\n", "\n")
    return code, strip_ansi(output) if strip else output
