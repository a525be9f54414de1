"""Offline stand-in for pip's get-pip.py bootstrap script that ansible-test downloads.

ansible-test fetches get-pip.py from a host this project's CI cannot reach; it first looks for a
cached copy, so scripts/test.sh puts this file there. It bootstraps pip from the standard
library (ensurepip), then installs the versions ansible-test asked for from the package index.
"""

import subprocess
import sys

subprocess.check_call([sys.executable, "-m", "ensurepip", "--default-pip"])
arguments = [arg for arg in sys.argv[1:] if arg not in ("--no-setuptools", "--no-wheel")]
subprocess.check_call([sys.executable, "-m", "pip", "install", "--disable-pip-version-check"] + arguments)
