# -*- coding: utf-8 -*-
# Copyright: contributors to the sentinel.aws collection
# GNU General Public License v3.0+ (see COPYING or https://www.gnu.org/licenses/gpl-3.0.txt)
"""The options of sentinel.aws.cloudtrail_account: one spec for its action plugin and its documentation stub."""

from __future__ import absolute_import, division, print_function

__metaclass__ = type

ARGUMENT_SPEC = dict(
    plan=dict(type="dict", required=True),
    state=dict(type="str", choices=["present", "absent"], default="present"),
    role=dict(type="dict", default={}),
    connector_id=dict(type="str"),
    aws=dict(type="dict", default={}, no_log=True),
    azure=dict(type="dict", default={}, no_log=True),
    written=dict(type="dict"),
    registered=dict(type="dict"),
    in_process=dict(type="bool", default=True),
)
