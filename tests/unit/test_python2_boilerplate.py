"""Every Python file ansible-core 2.16's sanity reads carries the __future__ and __metaclass__ lines.

ansible-core 2.19's sanity (the main gate) no longer asks for them, 2.16's (the compat gate, minutes
later) does: this test fails at once, in the unit gate, naming the files.
"""

from __future__ import absolute_import, division, print_function
from __future__ import annotations

__metaclass__ = type

import re
from pathlib import Path

REPO = Path(__file__).resolve().parents[2]
FUTURE = re.compile(r"^from __future__ import absolute_import, division, print_function$", re.MULTILINE)
METACLASS = re.compile(r"^__metaclass__ = type$", re.MULTILINE)


def test_plugins_and_unit_tests_carry_the_boilerplate_ansible_core_2_16_requires():
    files = sorted([*(REPO / "plugins").rglob("*.py"), *(REPO / "tests" / "unit").rglob("*.py")])
    assert files
    missing = [
        str(path.relative_to(REPO))
        for path in files
        if path.stat().st_size and not (FUTURE.search(path.read_text()) and METACLASS.search(path.read_text()))
    ]
    assert missing == []
