#!/usr/bin/env python
"""Start, stop and query the local sandbox from a shell.

    python tests/sandbox/sandbox.py start  [--state-dir .sandbox] [--seed file] [--foreground]
    python tests/sandbox/sandbox.py status [--state-dir .sandbox]
    python tests/sandbox/sandbox.py stop   [--state-dir .sandbox]

``start`` runs the servers in a background process, waits until both answer, writes
``<state-dir>/env`` (``export K='V'`` lines: ``source .sandbox/env``), ``ca.pem`` and ``pid``, and
prints the environment. The process stops cleanly on SIGTERM/SIGINT and removes its pid file.
"""

from __future__ import annotations

import argparse
import os
import signal
import subprocess
import sys
import threading
import time
from pathlib import Path

if __package__ in (None, ""):
    # Run as a script: sys.path[0] is this directory, where "sandbox" would be this very file.
    sys.path[0] = str(Path(__file__).resolve().parent.parent)
    from sandbox.core import Sandbox
else:
    from .core import Sandbox

START_TIMEOUT = 30.0


def _alive(pid: int) -> bool:
    try:
        os.kill(pid, 0)
    except ProcessLookupError:
        return False
    except PermissionError:
        return True
    # A zombie child of ours still answers kill(0); it is gone for our purposes.
    try:
        with open(f"/proc/{pid}/stat") as stat:
            return stat.read().split(") ", 1)[1][0] != "Z"
    except OSError:
        return True


def _running_pid(state_dir: Path) -> int | None:
    try:
        pid = int((state_dir / "pid").read_text().strip())
    except (OSError, ValueError):
        return None
    return pid if _alive(pid) else None


def run(state_dir: Path, seed: str | None) -> int:
    """Serve in this process until SIGTERM/SIGINT."""
    stop = threading.Event()
    signal.signal(signal.SIGTERM, lambda *_: stop.set())
    signal.signal(signal.SIGINT, lambda *_: stop.set())
    sandbox = Sandbox(state_dir, seed)
    sandbox.start()
    pid_file = state_dir / "pid"
    try:
        pid_file.write_text(f"{os.getpid()}\n")
        print(sandbox.env_script(), end="", flush=True)
        while not stop.wait(0.5):
            pass
    finally:
        sandbox.stop()
        pid_file.unlink(missing_ok=True)
    return 0


def start(state_dir: Path, seed: str | None, foreground: bool) -> int:
    if _running_pid(state_dir):
        print(f"sandbox already running (pid {_running_pid(state_dir)}); env in {state_dir / 'env'}", file=sys.stderr)
        return 1
    state_dir.mkdir(parents=True, exist_ok=True)
    for stale in ("pid", "env"):
        (state_dir / stale).unlink(missing_ok=True)
    if foreground:
        return run(state_dir, seed)
    command = [sys.executable, str(Path(__file__).resolve()), "run", "--state-dir", str(state_dir)]
    if seed:
        command += ["--seed", seed]
    with open(state_dir / "sandbox.log", "ab") as log:
        child = subprocess.Popen(
            command, stdin=subprocess.DEVNULL, stdout=log, stderr=log, start_new_session=True, cwd="/"
        )
    deadline = time.monotonic() + START_TIMEOUT
    while time.monotonic() < deadline:
        if (state_dir / "pid").exists() and (state_dir / "env").exists():
            print((state_dir / "env").read_text(), end="")
            return 0
        if child.poll() is not None:
            break
        time.sleep(0.1)
    print(f"sandbox did not start; see {state_dir / 'sandbox.log'}", file=sys.stderr)
    if child.poll() is None:
        child.terminate()
    return 1


def stop(state_dir: Path, timeout: float = 15.0) -> int:
    pid = _running_pid(state_dir)
    if pid is None:
        print("sandbox not running")
        (state_dir / "pid").unlink(missing_ok=True)
        return 0
    os.kill(pid, signal.SIGTERM)
    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline:
        if not _alive(pid):
            print(f"sandbox stopped (pid {pid})")
            return 0
        time.sleep(0.1)
    print(f"sandbox (pid {pid}) did not stop within {timeout:.0f}s", file=sys.stderr)
    return 1


def status(state_dir: Path) -> int:
    pid = _running_pid(state_dir)
    if pid is None:
        print("sandbox not running")
        return 1
    print(f"sandbox running (pid {pid}); env in {state_dir / 'env'}")
    return 0


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n", maxsplit=1)[0])
    parser.add_argument("command", choices=["start", "stop", "status", "run"])
    parser.add_argument(
        "--state-dir", default=".sandbox", type=Path, help="where env, ca.pem, pid go (default .sandbox)"
    )
    parser.add_argument("--seed", help="seed JSON file (default tests/sandbox/seed.json)")
    parser.add_argument("--foreground", action="store_true", help="start: serve in this process")
    args = parser.parse_args(argv)
    state_dir = args.state_dir.resolve()
    seed = str(Path(args.seed).resolve()) if args.seed else None
    if args.command == "start":
        return start(state_dir, seed, args.foreground)
    if args.command == "run":
        return run(state_dir, seed)
    if args.command == "stop":
        return stop(state_dir)
    return status(state_dir)


if __name__ == "__main__":
    sys.exit(main())
