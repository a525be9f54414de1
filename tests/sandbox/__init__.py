"""The local sandbox: moto (AWS) and an Azure emulator (Entra ID, ARM, Sentinel) on 127.0.0.1.

``from sandbox import Sandbox`` (tests/ is on sys.path); see README.md in this directory.
"""

from .core import Sandbox, load_seed

__all__ = ["Sandbox", "load_seed"]
