# -*- coding: utf-8 -*-
# Copyright: contributors to the sentinel.aws collection
# GNU General Public License v3.0+ (see COPYING or https://www.gnu.org/licenses/gpl-3.0.txt)

from __future__ import absolute_import, division, print_function
from __future__ import annotations

__metaclass__ = type

DOCUMENTATION = r"""
name: cloudtrail_connector_written
short_description: One account's result of the sentinel.aws.cloudtrail role's connector writes for the batch
version_added: 0.3.0
author:
  - sentinel.aws maintainers (@sentinel-aws)
description:
  - Takes the registered result of the role's C(sentinel.aws.data_connector) loop over the entries of
    C(sentinel.aws.cloudtrail_connector_batch) and a host, and returns that host's connector result, as
    C(sentinel.aws.data_connector) would have returned it for the account alone (C(changed), C(connector)),
    with C(failed) and C(msg).
  - When the whole run of the host's workspace failed (sign-in, the connector list), the host gets that
    run's message.
  - Internal to the role. It is a public plugin only because a role inside a collection cannot carry
    plugins of its own, and Galaxy wants every plugin documented. It may change with the role.
options:
  _input:
    description: The registered result of the loop.
    type: dict
    required: true
  host:
    description: The host (C(inventory_hostname)).
    type: str
    required: true
"""

EXAMPLES = r"""
- name: Fail the account when its connector could not be written
  ansible.builtin.fail:
    msg: "{{ (cloudtrail__connector_writes | sentinel.aws.cloudtrail_connector_written(inventory_hostname)).msg }}"
  when: (cloudtrail__connector_writes | sentinel.aws.cloudtrail_connector_written(inventory_hostname)).failed
"""

RETURN = r"""
_value:
  description: C(changed), C(connector) (empty when failed), C(failed) and C(msg) (empty unless failed).
  type: dict
"""

from typing import Any, Dict, Optional


def cloudtrail_connector_written(writes: Optional[Dict[str, Any]], host: str) -> Dict[str, Any]:
    """The host's element of the run of its workspace, or that run's failure."""
    for run in (writes or {}).get("results", []):
        hosts = (run.get("item") or {}).get("hosts") or []
        if host not in hosts:
            continue
        elements = run.get("connectors") or []
        if len(elements) == len(hosts):
            element = elements[hosts.index(host)]
            return dict(
                changed=bool(element.get("changed")),
                connector=element.get("connector") or {},
                failed=bool(element.get("failed")),
                msg=element.get("msg") or "",
            )
        return dict(
            changed=False, connector={}, failed=True, msg=run.get("msg") or "the data connector was not written"
        )
    return dict(changed=False, connector={}, failed=True, msg="the data connector of %s was not written" % host)


class FilterModule(object):
    def filters(self):
        return {"cloudtrail_connector_written": cloudtrail_connector_written}
