# shellcheck shell=bash
# Sourced by scripts/demo.sh and scripts/test.sh (and by hand, see README.md): makes the project's
# virtualenv and the collection trees Ansible reads, on a fresh machine, and is a no-op when they
# are current.
#
# Sourcing changes no option of the caller's shell: the steps run in a child bash (this file,
# executed) under `set -euo pipefail`, so the first failure stops them, and the sourcing shell only
# gets a non-zero status (an interactive one stays open; scripts check it and stop).
#
#   source scripts/bootstrap.sh        every step, then the exports below
#   bash scripts/bootstrap.sh [STEP]   the steps only: venv amazon_aws dev_tree (default), importer
#
#   $VENV/deps/ansible_collections/amazon/aws   amazon.aws, taken from the `ansible` wheel on PyPI
#                                               (Galaxy is not reachable from CI)
#   $VENV/dev/ansible_collections/sentinel/aws  -> the working tree (tests run the code as it is)
#   $VENV/dev/ansible_collections/amazon/aws    -> the deps copy above
#
#   $VENV/importer                              galaxy-importer's own venv (ensure_importer, which
#                                               scripts/test.sh calls; not in compat venvs)
#   $VENV/compat/<ansible-core release>         the compat gate's venvs (scripts/test.sh)
#
# Exports: REPO, VENV, PATH (venv first), DEV_COLLECTIONS, DEPS_COLLECTIONS.

REPO=$(cd "$(dirname "${BASH_SOURCE[0]}")/.." && pwd)
VENV=${SENTINEL_AWS_VENV:-$REPO/.venv}
DEPS_COLLECTIONS=$VENV/deps
DEV_COLLECTIONS=$VENV/dev
# The `ansible` release whose bundled amazon.aws we use (12.x ships amazon.aws 10.x).
AMAZON_AWS_SOURCE=${AMAZON_AWS_SOURCE:-ansible>=12,<13}
# An extra pin on ansible-core for this venv (the compat gate of scripts/test.sh sets it, with
# SENTINEL_AWS_VENV and AMAZON_AWS_SOURCE, to test an older release in a venv of its own).
ANSIBLE_CORE_PIN=${SENTINEL_AWS_ANSIBLE_CORE:-}

log() { printf '\033[1m==> %s\033[0m\n' "$*" >&2; }

if [ "${BASH_SOURCE[0]}" != "$0" ]; then
  # Sourced. The steps run in a child bash with the settings above, so that neither its
  # `set -euo pipefail` nor its stop at a failure reaches the caller's shell.
  bootstrap_steps() {
    SENTINEL_AWS_VENV=$VENV AMAZON_AWS_SOURCE=$AMAZON_AWS_SOURCE SENTINEL_AWS_ANSIBLE_CORE=$ANSIBLE_CORE_PIN \
      "$BASH" "$REPO/scripts/bootstrap.sh" "$@"
  }
  ensure_importer() { bootstrap_steps importer; }
  bootstrap_steps || return
  export REPO VENV DEV_COLLECTIONS DEPS_COLLECTIONS
  export PATH=$VENV/bin:$PATH
  # Never let a test or the demo read the developer's own Ansible config.
  export ANSIBLE_CONFIG=$REPO/tests/ansible.cfg
  return 0
fi

# Executed: the steps named (default: all but the importer), stopping at the first failure.
set -euo pipefail

ensure_venv() {
  if [ ! -x "$VENV/bin/python" ]; then
    log "creating virtualenv $VENV"
    python3 -m venv "$VENV"
  fi
  local want have
  want=$( (cat "$REPO/requirements.txt" "$REPO/tests/requirements.txt" && echo "$ANSIBLE_CORE_PIN") | sha256sum | cut -d' ' -f1)
  have=$(cat "$VENV/.requirements.sha256" 2>/dev/null || true)
  if [ "$want" != "$have" ]; then
    log "installing Python requirements into $VENV"
    "$VENV/bin/python" -m pip install -q --disable-pip-version-check --upgrade pip
    "$VENV/bin/python" -m pip install -q --disable-pip-version-check \
      -r "$REPO/requirements.txt" -r "$REPO/tests/requirements.txt" ${ANSIBLE_CORE_PIN:+"$ANSIBLE_CORE_PIN"}
    echo "$want" >"$VENV/.requirements.sha256"
  fi
}

ensure_amazon_aws() {
  local target=$DEPS_COLLECTIONS/ansible_collections/amazon/aws
  # Extracted again when AMAZON_AWS_SOURCE changes (the compat gate's pairings).
  if [ ! -f "$target/MANIFEST.json" ] || [ "$(cat "$DEPS_COLLECTIONS/.source" 2>/dev/null)" != "$AMAZON_AWS_SOURCE" ]; then
    log "extracting amazon.aws from the PyPI 'ansible' package"
    local dl
    dl=$(mktemp -d)
    "$VENV/bin/python" -m pip download -q --disable-pip-version-check --no-deps \
      "$AMAZON_AWS_SOURCE" -d "$dl"
    rm -rf "$target"
    mkdir -p "$DEPS_COLLECTIONS"
    "$VENV/bin/python" - "$dl" "$DEPS_COLLECTIONS" <<'PY'
import pathlib, sys, zipfile
wheel = next(pathlib.Path(sys.argv[1]).glob("ansible-*.whl"))
prefix = "ansible_collections/amazon/aws/"
with zipfile.ZipFile(wheel) as archive:
    archive.extractall(sys.argv[2], [n for n in archive.namelist() if n.startswith(prefix)])
PY
    rm -rf "$dl"
    echo "$AMAZON_AWS_SOURCE" >"$DEPS_COLLECTIONS/.source"
  fi
}

# galaxy-importer in a venv of its own (tests/requirements-importer.txt says why), for the tests
# only (scripts/test.sh calls this). The compat gate's venvs do without: they run no packaging test.
ensure_importer() {
  [ -z "$ANSIBLE_CORE_PIN" ] || return 0
  local importer=$VENV/importer want have
  want=$(sha256sum "$REPO/tests/requirements-importer.txt" | cut -d' ' -f1)
  have=$(cat "$importer/.requirements.sha256" 2>/dev/null || true)
  if [ "$want" != "$have" ]; then
    log "installing galaxy-importer into $importer"
    [ -x "$importer/bin/python" ] || python3 -m venv "$importer"
    "$importer/bin/python" -m pip install -q --disable-pip-version-check -r "$REPO/tests/requirements-importer.txt"
    echo "$want" >"$importer/.requirements.sha256"
  fi
}

ensure_dev_tree() {
  mkdir -p "$DEV_COLLECTIONS/ansible_collections/sentinel" "$DEV_COLLECTIONS/ansible_collections/amazon"
  ln -sfn "$REPO" "$DEV_COLLECTIONS/ansible_collections/sentinel/aws"
  ln -sfn "$DEPS_COLLECTIONS/ansible_collections/amazon/aws" "$DEV_COLLECTIONS/ansible_collections/amazon/aws"
}

[ $# -gt 0 ] || set -- venv amazon_aws dev_tree
for step in "$@"; do
  "ensure_$step"
done
