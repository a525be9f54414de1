"""The molecule scenario extensions/molecule/default: converge, idempotence, verify, offboard, verify.

The scenario starts and stops its own sandbox (prepare / destroy), so this test needs no fixture.
"""

from __future__ import annotations

import re
import subprocess
import sys
from pathlib import Path

import pytest

from helpers.ansible_run import REPO, ansible_env

BIN = Path(sys.executable).parent
_ANSI = re.compile(r"\x1b\[[0-9;]*m")

pytestmark = pytest.mark.slow


def test_molecule_default_scenario_passes() -> None:
    env = ansible_env({"NO_COLOR": "1", "PY_COLORS": "0"})
    # molecule writes its own ansible.cfg for the scenario; the test suite's must not win over it.
    env.pop("ANSIBLE_CONFIG", None)
    proc = subprocess.run(
        [str(BIN / "molecule"), "test", "--scenario-name", "default"],
        cwd=REPO,
        env=env,
        capture_output=True,
        text=True,
        timeout=600,
        check=False,
    )
    output = _ANSI.sub("", proc.stdout + proc.stderr)

    assert proc.returncode == 0, output[-6000:]
    for step in ("converge", "idempotence", "verify", "side_effect"):
        assert re.search(rf"{step}: Executed: Successful", output), f"{step} did not succeed:\n{output[-4000:]}"
    # verify ran twice: resources present after converge, nothing left after the offboard side effect.
    assert len(re.findall(r"verify: Executed: Successful", output)) == 2
    assert "failed=0" in re.sub(r"\s+", " ", output.split("SCENARIO RECAP", 1)[1])
