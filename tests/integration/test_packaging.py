"""The collection as users get it: built with ansible-galaxy, installed from the tarball, documented.

These run the real ansible-galaxy / ansible-doc commands against a scratch collections path.
"""

from __future__ import annotations

import json
import os
import subprocess
import sys
import tarfile
from pathlib import Path

import pytest
import yaml

from helpers.ansible_run import REPO, ansible_env

BIN = Path(sys.executable).parent
GALAXY = yaml.safe_load((REPO / "galaxy.yml").read_text())
MODULES = sorted(p.stem for p in (REPO / "plugins" / "modules").glob("*.py") if p.stem != "__init__")
FILTERS = sorted(p.stem for p in (REPO / "plugins" / "filter").glob("*.py") if p.stem != "__init__")
ROLES = sorted(p.name for p in (REPO / "roles").iterdir() if (p / "meta" / "argument_specs.yml").exists())

pytestmark = pytest.mark.slow


def run(*command: str, env: dict[str, str] | None = None) -> subprocess.CompletedProcess[str]:
    proc = subprocess.run(command, capture_output=True, text=True, env=env or ansible_env(), check=False)
    assert proc.returncode == 0, f"{' '.join(command)} failed:\n{proc.stdout}\n{proc.stderr}"
    return proc


@pytest.fixture(scope="module")
def installed(tmp_path_factory: pytest.TempPathFactory) -> Path:
    """Build the tarball and install it (without Galaxy dependencies) into a fresh collections path."""
    scratch = tmp_path_factory.mktemp("package")
    run(str(BIN / "ansible-galaxy"), "collection", "build", str(REPO), "--output-path", str(scratch / "dist"))
    tarball = scratch / "dist" / f"sentinel-aws-{GALAXY['version']}.tar.gz"
    assert tarball.is_file()
    # Installed as a user would, into a path that holds no other copy (the dev tree's sentinel.aws
    # would otherwise count as "already installed" and nothing would be installed).
    run(
        str(BIN / "ansible-galaxy"),
        "collection",
        "install",
        "--no-deps",
        "-p",
        str(scratch / "collections"),
        str(tarball),
        env=installed_env(scratch),
    )
    assert (scratch / "collections" / "ansible_collections" / "sentinel" / "aws" / "MANIFEST.json").is_file()
    return scratch


def installed_env(scratch: Path) -> dict[str, str]:
    # The installed copy, and amazon.aws (a declared dependency) from the deps tree, which holds
    # no sentinel.aws: what runs is what the tarball installed.
    deps = os.environ.get("DEPS_COLLECTIONS", str(REPO / ".venv" / "deps"))
    return ansible_env({"ANSIBLE_COLLECTIONS_PATH": f"{scratch / 'collections'}:{deps}"})


def test_tarball_holds_the_collection_and_no_build_leftovers(installed: Path) -> None:
    tarball = next((installed / "dist").glob("*.tar.gz"))
    with tarfile.open(tarball) as archive:
        names = set(archive.getnames())
    manifest = json.loads(archive_member(tarball, "MANIFEST.json"))
    assert manifest["collection_info"]["dependencies"] == GALAXY["dependencies"]
    assert {"MANIFEST.json", "FILES.json", "meta/runtime.yml", "README.md", "requirements.txt"} <= names
    assert {f"plugins/modules/{m}.py" for m in MODULES} <= names
    leftovers = [
        n for n in names if n.startswith((".venv", ".build", ".sandbox", "tests/output", ".git/")) or "__pycache__" in n
    ]
    assert leftovers == []


def archive_member(tarball: Path, name: str) -> str:
    with tarfile.open(tarball) as archive:
        member = archive.extractfile(name)
        assert member is not None
        return member.read().decode()


def test_installed_collection_is_listed(installed: Path) -> None:
    listing = run(str(BIN / "ansible-galaxy"), "collection", "list", "sentinel.aws", env=installed_env(installed))
    assert str(installed / "collections") in listing.stdout
    assert GALAXY["version"] in listing.stdout


@pytest.mark.parametrize("module", MODULES)
def test_ansible_doc_renders_each_module_from_the_tarball(installed: Path, module: str) -> None:
    doc = json.loads(
        run(str(BIN / "ansible-doc"), "--json", f"sentinel.aws.{module}", env=installed_env(installed)).stdout
    )
    body = doc[f"sentinel.aws.{module}"]
    assert body["doc"]["short_description"]
    assert body["doc"]["options"]
    assert body["examples"].strip()
    assert body["return"] is not None


@pytest.mark.parametrize("name", FILTERS)
def test_ansible_doc_renders_each_filter_from_the_tarball(installed: Path, name: str) -> None:
    doc = json.loads(
        run(
            str(BIN / "ansible-doc"), "-t", "filter", "--json", f"sentinel.aws.{name}", env=installed_env(installed)
        ).stdout
    )
    body = doc[f"sentinel.aws.{name}"]
    assert body["doc"]["short_description"]
    assert body["doc"]["options"]["_input"]
    assert body["examples"].strip()
    assert body["return"]["_value"]


@pytest.mark.parametrize("role", ROLES)
def test_ansible_doc_renders_each_role_from_the_tarball(installed: Path, role: str) -> None:
    doc = json.loads(
        run(
            str(BIN / "ansible-doc"), "-t", "role", "--json", f"sentinel.aws.{role}", env=installed_env(installed)
        ).stdout
    )
    assert doc[f"sentinel.aws.{role}"]["entry_points"]["main"]["options"]


def test_galaxy_importer_accepts_the_tarball_and_renders_every_module(installed: Path) -> None:
    """What Galaxy and Automation Hub run on an upload, offline (tests/galaxy-importer.cfg).

    The importer renders docs with no dependency installed, so a module whose docs need amazon.aws's
    doc fragments shows an ERROR and no documentation; ansible-lint runs without them too.
    """
    importer = Path(os.environ.get("VENV", str(REPO / ".venv"))) / "importer" / "bin"
    tarball = next((installed / "dist").glob("*.tar.gz"))
    workdir = installed / "importer"
    workdir.mkdir()
    # Only the importer's venv on PATH (it runs ansible-doc and ansible-lint from there) and no
    # collections path of ours: the importer installs the tarball into a scratch path of its own.
    env = {
        "PATH": f"{importer}:/usr/bin:/bin",
        "HOME": str(workdir),
        "GALAXY_IMPORTER_CONFIG": str(REPO / "tests" / "galaxy-importer.cfg"),
    }
    proc = subprocess.run(
        [str(importer / "python"), "-m", "galaxy_importer.main", str(tarball)],
        capture_output=True,
        text=True,
        env=env,
        cwd=workdir,
        check=False,
    )
    output = proc.stdout + proc.stderr
    assert proc.returncode == 0, output
    problems = [line for line in output.splitlines() if line.startswith(("ERROR", "WARNING"))]
    assert problems == [], output
    assert "Importer processing completed successfully" in output
    result = json.loads((workdir / "importer_result.json").read_text())
    docs = {
        c["content_name"]: c["doc_strings"] for c in result["docs_blob"]["contents"] if c["content_type"] == "module"
    }
    assert sorted(docs) == MODULES
    assert all(doc and doc["doc"]["options"] for doc in docs.values())
    # The AWS connection options, from this collection's own fragment.
    assert {"access_key", "region", "profile", "tags"} <= {o["name"] for o in docs["connector_role"]["doc"]["options"]}
