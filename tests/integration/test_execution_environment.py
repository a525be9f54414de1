"""meta/execution-environment.yml: ansible-builder builds a context from it, and reads it from the collection.

No container engine is needed: `ansible-builder create` only writes the build context, and
`ansible-builder introspect` is what runs inside the image build to collect every collection's
dependencies.
"""

from __future__ import annotations

import os
import subprocess
import sys
from pathlib import Path

import pytest
import yaml
from packaging.specifiers import SpecifierSet

from helpers.ansible_run import REPO

BIN = Path(sys.executable).parent
EE_FILE = REPO / "meta" / "execution-environment.yml"
EE = yaml.safe_load(EE_FILE.read_text())
GALAXY = yaml.safe_load((REPO / "galaxy.yml").read_text())

pytestmark = pytest.mark.slow


def requirement_lines(path: Path) -> list[str]:
    return [line.strip() for line in path.read_text().splitlines() if line.strip() and not line.startswith("#")]


def builder(*args: str) -> subprocess.CompletedProcess[str]:
    proc = subprocess.run([str(BIN / "ansible-builder"), *args], capture_output=True, text=True, check=False)
    assert proc.returncode == 0, f"ansible-builder {' '.join(args)}:\n{proc.stdout}\n{proc.stderr}"
    return proc


def test_the_dependency_files_resolve_from_the_collection_root_and_from_meta() -> None:
    # Introspection reads them relative to the collection root (and fails on inline lists);
    # `ansible-builder create -f meta/execution-environment.yml` relative to meta/. One file each:
    # the root paths are links to the meta/ files, which ansible-builder copies as real files.
    for entry in ("python", "system"):
        path = EE["dependencies"][entry]
        assert isinstance(path, str) and not os.path.isabs(path)
        assert (REPO / "meta" / path).is_file() and not (REPO / "meta" / path).is_symlink(), path
        assert (REPO / path).resolve() == (REPO / "meta" / path).resolve(), path


def test_ansible_builder_creates_a_build_context_from_the_file_as_shipped(tmp_path: Path) -> None:
    context = tmp_path / "context"

    builder("create", "-f", str(EE_FILE), "-c", str(context), "--output-filename", "Containerfile")

    build = context / "_build"
    assert (context / "Containerfile").is_file()
    assert not (build / "requirements.txt").is_symlink() and not (build / "bindep.txt").is_symlink()
    assert requirement_lines(build / "requirements.txt") == requirement_lines(REPO / "requirements.txt")
    assert requirement_lines(build / "bindep.txt") == requirement_lines(REPO / EE["dependencies"]["system"])
    containerfile = (context / "Containerfile").read_text()
    assert EE["images"]["base_image"]["name"] in containerfile
    assert "ansible-core" in containerfile


def test_the_image_gets_this_collection_and_amazon_aws(tmp_path: Path) -> None:
    context = tmp_path / "context"
    builder("create", "-f", str(EE_FILE), "-c", str(context))

    galaxy = {
        c["name"]: c for c in yaml.safe_load((context / "_build" / "requirements.yml").read_text())["collections"]
    }
    assert set(galaxy) == {"amazon.aws", "sentinel.aws"}
    # The version range admits this release, and amazon.aws's is the one galaxy.yml declares.
    assert SpecifierSet(galaxy["sentinel.aws"]["version"]).contains(GALAXY["version"])
    assert galaxy["amazon.aws"]["version"] == GALAXY["dependencies"]["amazon.aws"]


def test_an_ee_build_finds_the_collection_python_dependencies() -> None:
    """What runs inside `ansible-builder build` for every installed collection, run here on the dev tree."""
    proc = builder("introspect", "--sanitize", os.environ["DEV_COLLECTIONS"])
    data = yaml.safe_load(proc.stdout.split("\n", 1)[1])
    ours = [line for line in data["python"] if line.endswith("# from collection sentinel.aws")]
    names = {line.split("#")[0].strip() for line in ours}
    assert names == set(requirement_lines(REPO / "requirements.txt"))
    assert any(line.endswith("# from collection sentinel.aws") for line in data["system"])
