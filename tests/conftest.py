"""Makes the collection importable as ``ansible_collections.sentinel.aws`` for every test.

scripts/bootstrap.sh lays out ``$VENV/dev/ansible_collections/{sentinel/aws -> repo, amazon/aws}``;
that directory goes on sys.path (and on ANSIBLE_COLLECTIONS_PATH for the ansible processes that
integration tests start).
"""

import os
import sys
from pathlib import Path

REPO = Path(__file__).resolve().parent.parent
DEV_COLLECTIONS = Path(os.environ.get("DEV_COLLECTIONS", REPO / ".venv" / "dev"))

if not (DEV_COLLECTIONS / "ansible_collections" / "sentinel" / "aws").exists():
    raise RuntimeError(
        f"{DEV_COLLECTIONS} has no sentinel.aws: run `bash scripts/test.sh` (it runs scripts/bootstrap.sh)"
    )
if str(DEV_COLLECTIONS) not in sys.path:
    sys.path.insert(0, str(DEV_COLLECTIONS))
os.environ.setdefault("DEV_COLLECTIONS", str(DEV_COLLECTIONS))
