# -*- coding: utf-8 -*-
# Copyright: contributors to the sentinel.aws collection
# GNU General Public License v3.0+ (see COPYING or https://www.gnu.org/licenses/gpl-3.0.txt)

from __future__ import absolute_import, division, print_function

__metaclass__ = type


class ModuleDocFragment:
    # The filters that take the play's hosts and their variables (the run reports, organization_args).
    DOCUMENTATION = r"""
options:
  _input:
    description: The host names, such as C(ansible_play_hosts_all).
    type: list
    elements: str
    required: true
  hostvars:
    description: The variables of each host (C(hostvars)).
    type: dict
    required: true
"""

    # The run reports' file (cloudtrail_report, s3_report, organization_report).
    FILE = r"""
options:
  path:
    description: Where the report file goes; empty for no file.
    type: str
    default: ""
  format:
    description: The file's format; empty to take it from the path's extension (C(.csv), else JSON).
    type: str
    choices: ["", json, csv]
    default: ""
"""
