"""The README's commands as a user types them: scripts/bootstrap.sh sourced into a shell, scripts/demo.sh, .ci/run.

These start the real bash scripts. The project's venv is current when they run (scripts/test.sh
made it), so sourcing scripts/bootstrap.sh installs nothing and takes a fraction of a second.
"""

from __future__ import annotations

import os
import re
import subprocess
from pathlib import Path

import pytest

from helpers.ansible_run import REPO

BOOTSTRAP = REPO / "scripts" / "bootstrap.sh"
# What scripts/bootstrap.sh logs when it has to do something (its `log` lines start with "==>").
_STEP_LOG = re.compile(r"==> (creating|installing|extracting)")


def bash(script: str, *, env: dict[str, str] | None = None, timeout: float = 120) -> subprocess.CompletedProcess[str]:
    """``script`` in a fresh bash (no rc files) with this process's environment, from the repository root."""
    return subprocess.run(
        ["bash", "--norc", "--noprofile", "-c", script],
        cwd=REPO,
        env={**os.environ, **(env or {})},
        stdin=subprocess.DEVNULL,
        capture_output=True,
        text=True,
        timeout=timeout,
        check=False,
    )


def shell_options(output: str, marker: str) -> list[str]:
    """The ``set -o`` listing printed after ``marker``."""
    block = output.split(f"{marker}\n", 1)[1].split("--\n", 1)[0]
    return block.splitlines()


@pytest.mark.parametrize(
    "caller_options",
    ["", "set -u", "set -euo pipefail"],
    ids=["bash-defaults", "nounset-only", "strict"],
)
def test_sourcing_bootstrap_changes_no_shell_option_of_the_caller(caller_options: str) -> None:
    proc = bash(
        f"{caller_options}\n" f"echo before; set -o; echo --\n" f"source {BOOTSTRAP}\n" f"echo after; set -o; echo --\n"
    )

    assert proc.returncode == 0, proc.stderr
    assert shell_options(proc.stdout, "after") == shell_options(proc.stdout, "before")
    # The venv is current: nothing was installed or extracted again.
    assert not _STEP_LOG.search(proc.stderr), proc.stderr


def test_an_interactive_shell_that_sourced_bootstrap_survives_a_failing_command() -> None:
    # `bash -i`: the shell a user types `source scripts/bootstrap.sh` into.
    proc = subprocess.run(
        ["bash", "--norc", "--noprofile", "-i", "-c", f"source {BOOTSTRAP}; false; cat /nonexistent; echo survived"],
        cwd=REPO,
        env=dict(os.environ),
        stdin=subprocess.DEVNULL,
        capture_output=True,
        text=True,
        timeout=120,
        check=False,
    )

    assert proc.returncode == 0, proc.stderr
    assert proc.stdout.splitlines()[-1] == "survived"


def test_sourced_bootstrap_exports_the_venv_and_collection_trees() -> None:
    proc = bash(f"source {BOOTSTRAP}; command -v python; echo $DEV_COLLECTIONS; echo $ANSIBLE_CONFIG")

    python, dev, config = proc.stdout.splitlines()
    assert proc.returncode == 0, proc.stderr
    assert python == str(REPO / ".venv" / "bin" / "python")
    assert Path(dev, "ansible_collections", "sentinel", "aws").resolve() == REPO
    assert config == str(REPO / "tests" / "ansible.cfg")


@pytest.fixture
def unmakeable_venv(tmp_path: Path) -> dict[str, str]:
    """A venv path under a regular file: `python3 -m venv` fails on it, the first step."""
    (tmp_path / "a-file").write_text("")
    return {"SENTINEL_AWS_VENV": str(tmp_path / "a-file" / "venv")}


def test_sourced_bootstrap_stops_at_the_first_failure_and_the_shell_goes_on(unmakeable_venv: dict[str, str]) -> None:
    proc = bash(f'source {BOOTSTRAP}; echo "status=$?"; echo "path=$PATH"; false; echo survived', env=unmakeable_venv)

    assert "creating virtualenv" in proc.stderr
    # Without errexit in the steps, the install would have been tried on the missing venv.
    assert "installing Python requirements" not in proc.stderr, proc.stderr
    lines = proc.stdout.splitlines()
    assert lines[0] != "status=0"
    assert unmakeable_venv["SENTINEL_AWS_VENV"] not in lines[1]  # nothing exported
    assert lines[-1] == "survived"


def test_executed_bootstrap_and_the_test_script_fail_fast(unmakeable_venv: dict[str, str]) -> None:
    bootstrap = bash(f"bash {BOOTSTRAP}", env=unmakeable_venv)
    suite = bash("bash scripts/test.sh unit", env=unmakeable_venv)

    assert bootstrap.returncode != 0
    assert "installing Python requirements" not in bootstrap.stderr, bootstrap.stderr
    assert suite.returncode != 0
    assert "gate:" not in suite.stdout + suite.stderr  # no gate ran on a half-made venv


def test_ci_runs_the_readme_test_command_and_the_readme_gives_both_commands() -> None:
    readme = (REPO / "README.md").read_text()
    first_block = readme.split("```bash\n", 1)[1].split("```", 1)[0]
    commands = [line.split("#", 1)[0].strip() for line in first_block.splitlines()]

    assert commands == ["bash scripts/demo.sh", "bash scripts/test.sh"]
    ci_commands = [
        line.strip() for line in (REPO / ".ci" / "run").read_text().splitlines() if line.strip().startswith("exec ")
    ]
    assert ci_commands == ["exec bash scripts/test.sh"]


def test_the_integration_gate_fails_when_pytest_selects_no_test() -> None:
    # On pytest-xdist workers, as the gate runs: pytest's exit code 5 must still fail the gate.
    proc = bash("bash scripts/test.sh integration -k no_test_has_this_name", timeout=600)

    assert re.search(r"^\d+ workers? \[0 items\]", proc.stdout, re.MULTILINE), proc.stdout
    assert proc.returncode != 0
    assert "integration: rc=5" in proc.stdout
    assert "gates: 0 passed, 1 failed" in proc.stdout


# What scripts/demo.sh printed before: ansible-galaxy installing into a path Ansible does not read,
# ansible-playbook without an inventory (once per run), amazon.aws's iam_role_info deprecation.
DEMO_NOISE = (
    "[WARNING]",
    "[DEPRECATION WARNING]",
    "is not part of the configured Ansible collections paths",
    "No inventory was parsed",
    "assume_role_policy_document_raw",
)


@pytest.mark.slow
def test_the_demo_onboards_twice_and_prints_no_warning(tmp_path: Path) -> None:
    # Its own directory for the tarball, the install and the sandbox (a sandbox of your own in
    # .sandbox/ may be running).
    proc = bash("bash scripts/demo.sh", env={"SENTINEL_AWS_DEMO_DIR": str(tmp_path)}, timeout=900)
    output = proc.stdout + proc.stderr

    assert proc.returncode == 0, output
    assert [noise for noise in DEMO_NOISE if noise in output] == [], output
    recaps = re.findall(r"^localhost\s+: (.*)$", proc.stdout, re.MULTILINE)
    assert len(recaps) == 3  # onboard, onboard again, read back
    assert "changed=0" not in recaps[0] and "failed=0" in recaps[0]
    assert re.search(r"changed=0 .*failed=0", recaps[1])
    assert "as Sentinel needs it" in proc.stdout and "NOT as Sentinel needs it" not in proc.stdout
    assert not (tmp_path / "sandbox" / "pid").exists()  # the sandbox was stopped
