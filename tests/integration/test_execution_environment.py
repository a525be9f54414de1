"""meta/execution-environment.yml: ansible-builder builds a context from it, and reads it from the collection.

No container engine is needed: `ansible-builder create` only writes the build context, and
`ansible-builder introspect` is what runs inside the image build to collect every collection's
dependencies.
"""

from __future__ import annotations

import os
import shutil
import subprocess
import sys
from pathlib import Path

import pytest
import yaml

from helpers.ansible_run import REPO

BIN = Path(sys.executable).parent
EE_FILE = REPO / "meta" / "execution-environment.yml"
EE = yaml.safe_load(EE_FILE.read_text())

pytestmark = pytest.mark.slow


def requirement_lines(path: Path) -> list[str]:
    return [line.strip() for line in path.read_text().splitlines() if line.strip() and not line.startswith("#")]


def builder(*args: str) -> subprocess.CompletedProcess[str]:
    proc = subprocess.run([str(BIN / "ansible-builder"), *args], capture_output=True, text=True, check=False)
    assert proc.returncode == 0, f"ansible-builder {' '.join(args)}:\n{proc.stdout}\n{proc.stderr}"
    return proc


def test_the_dependency_files_are_relative_to_the_collection_root() -> None:
    # Introspection reads them relative to the collection root and fails on inline lists.
    for entry in ("python", "system"):
        path = EE["dependencies"][entry]
        assert isinstance(path, str) and not os.path.isabs(path)
        assert (REPO / path).is_file(), path


def test_ansible_builder_creates_a_build_context(tmp_path: Path) -> None:
    # Stage the file at the root of a copy, where its collection-root-relative paths resolve
    # (the recipe docs/awx.md gives users).
    staged = tmp_path / "collection"
    for relative in (EE["dependencies"]["python"], EE["dependencies"]["system"]):
        (staged / relative).parent.mkdir(parents=True, exist_ok=True)
        shutil.copy(REPO / relative, staged / relative)
    shutil.copy(EE_FILE, staged / "execution-environment.yml")
    context = tmp_path / "context"

    builder(
        "create",
        "-f",
        str(staged / "execution-environment.yml"),
        "-c",
        str(context),
        "--output-filename",
        "Containerfile",
    )

    build = context / "_build"
    assert (context / "Containerfile").is_file()
    assert requirement_lines(build / "requirements.txt") == requirement_lines(REPO / "requirements.txt")
    assert requirement_lines(build / "bindep.txt") == requirement_lines(REPO / EE["dependencies"]["system"])
    galaxy = yaml.safe_load((build / "requirements.yml").read_text())
    assert "amazon.aws" in [c["name"] for c in galaxy["collections"]]
    containerfile = (context / "Containerfile").read_text()
    assert EE["images"]["base_image"]["name"] in containerfile
    assert "ansible-core" in containerfile


def test_an_ee_build_finds_the_collection_python_dependencies() -> None:
    """What runs inside `ansible-builder build` for every installed collection, run here on the dev tree."""
    proc = builder("introspect", "--sanitize", os.environ["DEV_COLLECTIONS"])
    data = yaml.safe_load(proc.stdout.split("\n", 1)[1])
    ours = [line for line in data["python"] if line.endswith("# from collection sentinel.aws")]
    names = {line.split("#")[0].strip() for line in ours}
    assert names == set(requirement_lines(REPO / "requirements.txt"))
    assert any(line.endswith("# from collection sentinel.aws") for line in data["system"])
