#!/usr/bin/env bash
# The whole test suite, on a fresh machine: sets up the project's virtualenv (scripts/bootstrap.sh),
# then runs every gate and reports each. Exits non-zero if any gate fails or if pytest ran no test.
#
#   bash scripts/test.sh              everything
#   bash scripts/test.sh unit         one gate (unit | integration | sanity | lint | style | package | compat)
#   bash scripts/test.sh integration -k connector_role    extra arguments go to pytest
set -uo pipefail
# shellcheck source=scripts/bootstrap.sh
source "$(dirname "$0")/bootstrap.sh" || exit 1
ensure_importer || exit 1
set +e
cd "$REPO" || exit 1

PYTEST=(python -m pytest -p no:cacheprovider)
# The end-to-end tests on pytest-xdist workers, one per logical CPU (PYTEST_XDIST_AUTO_NUM_WORKERS=N
# sets another number; `-n 0` among the extra arguments runs them in one process). Each worker
# starts a sandbox of its own on free ports, with its state under the worker's own temporary
# directory (tests/integration/conftest.py). A file's tests stay on one worker (loadfile), so a
# module-scoped fixture (the packaging tarball, test_security's second sandbox) is made once.
ON_WORKERS=(-n logical --dist loadfile)
export ANSIBLE_COLLECTIONS_PATH=$DEV_COLLECTIONS

gate_unit() { "${PYTEST[@]}" tests/unit "$@"; }
gate_integration() { "${PYTEST[@]}" "${ON_WORKERS[@]}" tests/integration "$@"; }

gate_sanity() {
  # ansible-test wants the collection at .../ansible_collections/sentinel/aws (a real path: it
  # resolves the working directory), with amazon.aws beside it for doc fragments and imports.
  local root=$VENV/sanity/ansible_collections
  rm -rf "$root/sentinel/aws"
  mkdir -p "$root/sentinel/aws" "$root/amazon"
  ln -sfn "$DEPS_COLLECTIONS/ansible_collections/amazon/aws" "$root/amazon/aws"
  git ls-files -co --exclude-standard | while read -r f; do [ -f "$f" ] && printf '%s\n' "$f"; done |
    tar -cf - -T - | tar -xf - -C "$root/sentinel/aws"
  # The copy sits inside this repository's ignored .venv: ansible-test would ask the outer git
  # for its files and find none, so the copy gets a git index of its own.
  git -C "$root/sentinel/aws" init -q && git -C "$root/sentinel/aws" add -A
  # A private HOME: ansible-test keeps its venvs and caches there, including the offline
  # stand-in for the pip bootstrap script it would otherwise download.
  local home=$VENV/home pip_version
  # The first pin (older releases list per-Python overrides after it).
  pip_version=$(grep -m1 -oP "pip='\K[0-9.]+" "$(python -c 'import ansible_test, os; print(os.path.dirname(ansible_test.__file__))')/_internal/python_requirements.py")
  mkdir -p "$home/.ansible/test/cache"
  cp tests/sanity/get_pip_offline.py "$home/.ansible/test/cache/get_pip_${pip_version//./_}.py"
  (cd "$root/sentinel/aws" && HOME=$home ansible-test sanity --python 3.11 --color no "$@")
}

gate_lint() {
  ansible-lint --offline --profile production "$@"
}

# black and ruff (configured in pyproject.toml) over every Python file of the repository.
gate_style() {
  black --check --quiet . && ruff check --quiet .
}

gate_package() { "${PYTEST[@]}" tests/integration/test_packaging.py "$@"; }

# ansible-core releases meta/runtime.yml's requires_ansible admits, other than the main venv's 2.19
# (the last that runs on Python 3.11, which every other gate uses), each with an amazon.aws taken
# from the `ansible` package that bundles it: 10.x ships amazon.aws 8.x (galaxy.yml's floor; 2.16
# needs amazon.aws < 10, which requires ansible-core 2.17), 11.x ships 9.x. Another choice:
#   SENTINEL_AWS_COMPAT_RELEASES="2.17=ansible>=12,<13" bash scripts/test.sh compat
COMPAT_RELEASES=${SENTINEL_AWS_COMPAT_RELEASES:-"2.16=ansible>=10,<11 2.17=ansible>=10,<11 2.18=ansible>=11,<12"}

# Each release in a venv of its own under $VENV/compat (scripts/bootstrap.sh makes it, with its own
# collection trees), so the main venv's gates never see it: the end-to-end tests of the role (its
# verification too) and playbooks (with the ownership cases and sentinel.aws.verify), molecule, hub
# credentials, the organizations inventory and the organisation playbooks on every release, and
# ansible-test sanity on the oldest (the main gate runs it on the newest).
gate_compat() {
  local release core rc=0 sanity=yes
  for release in $COMPAT_RELEASES; do
    core=${release%%=*}
    log "compat: ansible-core $core.x, amazon.aws from ${release#*=}"
    SENTINEL_AWS_VENV=$VENV/compat/$core SENTINEL_AWS_ANSIBLE_CORE="ansible-core==$core.*" \
      AMAZON_AWS_SOURCE=${release#*=} COMPAT_SANITY=$sanity bash "$REPO/scripts/test.sh" compat_release "$@" || rc=1
    sanity=no
  done
  return "$rc"
}

# One release of the compat gate (run by gate_compat, in that release's venv).
gate_compat_release() {
  local core aws
  core=$(python -c 'from ansible.release import __version__; print(__version__)')
  aws=$(python -c 'import json, sys; print(json.load(open(sys.argv[1]))["collection_info"]["version"])' \
    "$DEPS_COLLECTIONS/ansible_collections/amazon/aws/MANIFEST.json")
  log "compat: ansible-core $core, amazon.aws $aws"
  "${PYTEST[@]}" "${ON_WORKERS[@]}" tests/integration/test_role.py tests/integration/test_playbooks.py \
    tests/integration/test_verify_playbook.py tests/integration/test_role_verify.py tests/integration/test_ownership.py \
    tests/integration/test_molecule.py tests/integration/test_hub_credentials.py \
    tests/integration/test_organizations_inventory.py tests/integration/test_s3_role.py \
    tests/integration/test_s3_playbooks.py tests/integration/test_organization_playbooks.py \
    --deselect tests/integration/test_s3_playbooks.py::test_the_s3_demo_onboards_twice "$@" || return 1
  [ "${COMPAT_SANITY:-yes}" = yes ] || return 0
  # validate-modules compares connector_role's docs with amazon.aws's argument spec: amazon.aws
  # < 10 still has deprecated aliases (ec2_*, security_token, ...) that the docs, following 10,
  # leave out, and ansible-lint forbids ignoring undocumented-parameter. So it runs only with
  # amazon.aws 10 (the main sanity gate).
  if [ "${aws%%.*}" -lt 10 ]; then gate_sanity --skip-test validate-modules; else gate_sanity; fi
}

run_gate() {
  local name=$1
  shift
  log "gate: $name"
  local start=$SECONDS
  "gate_$name" "$@"
  local rc=$?
  results+=("$name: rc=$rc ($((SECONDS - start)) s)")
  if [ "$rc" -eq 0 ]; then passed=$((passed + 1)); else failed=$((failed + 1)); fi
}

results=()
passed=0
failed=0
if [ $# -gt 0 ]; then
  gate=$1
  shift
  run_gate "$gate" "$@"
else
  run_gate sanity
  run_gate lint
  run_gate style
  run_gate unit
  run_gate integration
  run_gate compat
fi
printf '%s\n' "${results[@]}"
# pytest's exit code 5 (no tests collected) counts as a failure above, as any non-zero code does.
echo "gates: $passed passed, $failed failed"
[ "$failed" -eq 0 ]
