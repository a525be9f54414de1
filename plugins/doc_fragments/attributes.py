# -*- coding: utf-8 -*-
# Copyright: contributors to the sentinel.aws collection
# GNU General Public License v3.0+ (see COPYING or https://www.gnu.org/licenses/gpl-3.0.txt)

from __future__ import absolute_import, division, print_function

__metaclass__ = type


class ModuleDocFragment:
    # Modules that change things: full check mode and diff mode.
    DOCUMENTATION = r"""
options: {}
attributes:
  check_mode:
    support: full
    description: Can run in check mode and return changed status prediction without modifying target.
  diff_mode:
    support: full
    description: Will return details on what has changed (or possibly needs changing in check_mode), when in diff mode.
"""

    # _info modules only read.
    INFO_MODULE = r"""
options: {}
attributes:
  check_mode:
    support: full
    description: This module only reads; it runs the same in check mode.
  diff_mode:
    support: N/A
    description: This module returns no diff; it changes nothing.
"""

    ACTIONGROUP_AWS = r"""
options: {}
attributes:
  action_group:
    support: full
    membership:
      - sentinel.aws.aws
      - sentinel.aws.all
    description: Use C(group/sentinel.aws.aws) in C(module_defaults) to set AWS options once; the group also covers amazon.aws modules.
"""

    ACTIONGROUP_AZURE = r"""
options: {}
attributes:
  action_group:
    support: full
    membership:
      - sentinel.aws.azure
      - sentinel.aws.all
    description: Use C(group/sentinel.aws.azure) in C(module_defaults) to set Azure options once.
"""
