#!/usr/bin/env bash
# The main job, on a fresh machine and with no cloud account: sets up the virtualenv, builds the
# collection and installs it from its tarball, starts the local sandbox (moto for AWS, the Azure
# emulator for Sentinel), onboards the sandbox's AWS account into its Sentinel workspace with
# `ansible-playbook sentinel.aws.onboard`, runs it again to show that nothing changes, prints
# where the result is, and stops the sandbox.
#
#   bash scripts/demo.sh       the CloudTrail (legacy) connector: sentinel.aws.onboard
#   bash scripts/demo.sh s3    the S3 connector: a bucket in the sandbox, then sentinel.aws.onboard_s3
#                              (OIDC provider, role, bucket policy, queue, notification, connector)
set -euo pipefail
path=${1:-cloudtrail}
case $path in
  cloudtrail | s3) ;;
  *)
    echo "usage: bash scripts/demo.sh [cloudtrail|s3]" >&2
    exit 2
    ;;
esac
# shellcheck source=scripts/bootstrap.sh
source "$(dirname "$0")/bootstrap.sh"
cd "$REPO"

# SENTINEL_AWS_DEMO_DIR puts the tarball, its install and the sandbox's state somewhere else
# (tests/integration/test_scripts.py does, to run the demo beside a sandbox of your own).
if [ -n "${SENTINEL_AWS_DEMO_DIR:-}" ]; then
  DIST=$SENTINEL_AWS_DEMO_DIR/dist INSTALLED=$SENTINEL_AWS_DEMO_DIR/installed STATE_DIR=$SENTINEL_AWS_DEMO_DIR/sandbox
else
  DIST=$VENV/dist INSTALLED=$VENV/installed STATE_DIR=$REPO/.sandbox
fi
version=$(python -c 'import yaml; print(yaml.safe_load(open("galaxy.yml"))["version"])')
# Set before the install too: ansible-galaxy warns when it installs into a path Ansible would not read.
export ANSIBLE_COLLECTIONS_PATH=$INSTALLED:$DEPS_COLLECTIONS

log "building sentinel.aws $version and installing it from the tarball"
ansible-galaxy collection build --force --output-path "$DIST" . >/dev/null
rm -rf "$INSTALLED"
# --no-deps: amazon.aws, the one Galaxy dependency, comes from $DEPS_COLLECTIONS (no Galaxy here).
ansible-galaxy collection install --no-deps -p "$INSTALLED" "$DIST/sentinel-aws-$version.tar.gz" >/dev/null

log "starting the sandbox (AWS on moto, Azure emulator over HTTPS)"
python tests/sandbox/sandbox.py start --state-dir "$STATE_DIR" >/dev/null
trap 'python tests/sandbox/sandbox.py stop --state-dir "$STATE_DIR" >/dev/null' EXIT
# shellcheck disable=SC1091
source "$STATE_DIR/env"

if [ "$path" = s3 ]; then
  # The S3 path reads logs from a bucket that exists already (the role never creates one).
  bucket=sentinel-demo-logs
  log "creating the bucket $bucket in the sandbox's AWS account"
  python -c 'import boto3, sys; boto3.client("s3").create_bucket(Bucket=sys.argv[1])' "$bucket"
  onboard() {
    ansible-playbook sentinel.aws.onboard_s3 -i scripts/sandbox-inventory.yml -e @playbooks/examples/vars/sandbox_s3.yml \
      -e s3_bucket="$bucket"
  }
else
  onboard() {
    ansible-playbook sentinel.aws.onboard -i scripts/sandbox-inventory.yml -e @playbooks/examples/vars/sandbox.yml
  }
fi

log "onboarding AWS account $SANDBOX_AWS_ACCOUNT_ID into workspace $SANDBOX_WORKSPACE_NAME"
onboard
log "running it again: a converged account reports changed=0"
onboard | tee "$STATE_DIR/second-run.log"
grep -Eq 'changed=0 .*failed=0' "$STATE_DIR/second-run.log"

log "where to see the result"
# Read back from the clouds with the collection's own modules.
if [ "$path" = s3 ]; then
  ansible-playbook -i scripts/sandbox-inventory.yml playbooks/examples/show-sandbox-s3.yml \
    -e @playbooks/examples/vars/sandbox_s3.yml -e s3_bucket="$bucket"
else
  ansible-playbook -i scripts/sandbox-inventory.yml playbooks/examples/show-sandbox.yml
fi
