#!/usr/bin/env bash
# The onboarding benchmark, one command: sentinel.aws.cloudtrail vs amazon.aws.iam_role + uri,
# N = 1, 10, 50 AWS accounts, first run and converged re-run, on the local sandbox.
#   bash benchmarks/run.sh                     # the full run (about 10 minutes on 2 cores)
#   bash benchmarks/run.sh --accounts 1,10 --no-profile
#   bash benchmarks/run.sh --forks 10
# Options: python benchmarks/onboarding.py --help. Results: benchmarks/results/*.json.
set -euo pipefail
source "$(cd "$(dirname "${BASH_SOURCE[0]}")/.." && pwd)/scripts/bootstrap.sh"
python -c 'import psutil' 2>/dev/null || python -m pip install -q --disable-pip-version-check 'psutil>=5.9'
cd "$REPO"
exec python benchmarks/onboarding.py "$@"
