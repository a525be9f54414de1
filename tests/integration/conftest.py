"""Fixtures for integration tests: one sandbox (moto + the Azure emulator) for the whole run.

Use ``clean_sandbox`` in tests: it resets moto's state, the emulator's state, both request logs and
all faults before the test, and hands back the session's ``Sandbox`` (see tests/sandbox/README.md).

Each test gets an Azure token cache directory of its own (the roles turn the cache on): a token
cached by one test would spare the next its sign-in, and tests count sign-ins.
"""

from __future__ import annotations

from typing import Iterator

import pytest
from sandbox import Sandbox


@pytest.fixture(autouse=True)
def token_cache_dir(tmp_path_factory: pytest.TempPathFactory, monkeypatch: pytest.MonkeyPatch) -> str:
    """The test's SENTINEL_AWS_AZURE_TOKEN_CACHE_DIR, inherited by every ansible process it starts."""
    directory = str(tmp_path_factory.mktemp("token_cache") / "cache")
    monkeypatch.setenv("SENTINEL_AWS_AZURE_TOKEN_CACHE_DIR", directory)
    return directory


@pytest.fixture(scope="session")
def sandbox(tmp_path_factory: pytest.TempPathFactory) -> Iterator[Sandbox]:
    with Sandbox(tmp_path_factory.mktemp("sandbox")) as sb:
        yield sb


@pytest.fixture
def clean_sandbox(sandbox: Sandbox) -> Sandbox:
    sandbox.reset()
    return sandbox
