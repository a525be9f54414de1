"""The sandbox's command line: start in the background, use it through the env file, stop."""

from __future__ import annotations

import json
import os
import shlex
import ssl
import subprocess
import sys
import time
import urllib.request
from pathlib import Path

SCRIPT = Path(__file__).resolve().parents[1] / "sandbox" / "sandbox.py"


def cli(*args: str, cwd: Path) -> subprocess.CompletedProcess:
    return subprocess.run(
        [sys.executable, str(SCRIPT), *args], cwd=cwd, capture_output=True, text=True, timeout=60, check=False
    )


def read_env(path: Path) -> dict[str, str]:
    env = {}
    for line in path.read_text().splitlines():
        key, _sep, value = line.removeprefix("export ").partition("=")
        env[key] = shlex.split(value)[0]
    return env


def test_start_status_use_and_stop(tmp_path):
    state = tmp_path / "state"
    started = cli("start", "--state-dir", "state", cwd=tmp_path)  # relative to the cwd
    try:
        assert started.returncode == 0, started.stderr
        env = read_env(state / "env")
        assert started.stdout == (state / "env").read_text()
        assert env["REQUESTS_CA_BUNDLE"] == str(state / "ca.pem")
        assert env["SANDBOX_WORKSPACE_NAME"] == "law-sentinel"
        pid = int((state / "pid").read_text())
        assert pid != os.getpid()
        assert cli("status", "--state-dir", str(state), cwd=Path("/")).returncode == 0

        context = ssl.create_default_context(cafile=env["REQUESTS_CA_BUNDLE"])
        with urllib.request.urlopen(
            f"{env['AZURE_CLOUD_ENVIRONMENT']}/metadata/endpoints?api-version=2022-09-01", context=context
        ) as answer:
            assert json.load(answer)[0]["resourceManager"] == env["SANDBOX_AZURE_URL"] + "/"
        with urllib.request.urlopen(f"{env['AWS_ENDPOINT_URL']}/_sandbox/requests") as answer:
            assert json.load(answer) == []
        assert cli("start", "--state-dir", str(state), cwd=tmp_path).returncode == 1  # already running
    finally:
        stopped = cli("stop", "--state-dir", str(state), cwd=Path("/"))
    assert stopped.returncode == 0, stopped.stderr
    assert not (state / "pid").exists()
    deadline = time.monotonic() + 5
    while Path(f"/proc/{pid}").exists() and time.monotonic() < deadline:
        time.sleep(0.05)
    assert not Path(f"/proc/{pid}").exists()
    assert cli("status", "--state-dir", str(state), cwd=tmp_path).returncode == 1
