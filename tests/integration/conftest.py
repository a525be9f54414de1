"""Fixtures for integration tests: one sandbox (moto + the Azure emulator) for the whole run.

Use ``clean_sandbox`` in tests: it resets moto's state, the emulator's state, both request logs and
all faults before the test, and hands back the session's ``Sandbox`` (see tests/sandbox/README.md).
"""

from __future__ import annotations

from typing import Iterator

import pytest
from sandbox import Sandbox


@pytest.fixture(scope="session")
def sandbox(tmp_path_factory: pytest.TempPathFactory) -> Iterator[Sandbox]:
    with Sandbox(tmp_path_factory.mktemp("sandbox")) as sb:
        yield sb


@pytest.fixture
def clean_sandbox(sandbox: Sandbox) -> Sandbox:
    sandbox.reset()
    return sandbox
