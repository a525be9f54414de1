# -*- coding: utf-8 -*-
# Copyright: contributors to the sentinel.aws collection
# GNU General Public License v3.0+ (see COPYING or https://www.gnu.org/licenses/gpl-3.0.txt)

from __future__ import absolute_import, division, print_function

__metaclass__ = type

DOCUMENTATION = r"""
name: cloudtrail_connection
short_description: The module_defaults of the sentinel.aws.cloudtrail role from one of its connection variables
version_added: 0.1.0
author:
  - sentinel.aws maintainers (@sentinel-aws)
description:
  - Takes the role's C(cloudtrail_aws_connection) or C(cloudtrail_azure_connection) and returns it with
    the keys as the modules name them, for C(module_defaults).
  - The spellings users naturally type are mapped to the modules' option names, for example
    C(aws_access_key_id) to C(access_key), C(aws_secret_access_key) to C(secret_key),
    C(aws_session_token) to C(session_token), C(client_secret) to C(secret), C(tenant_id) to C(tenant).
  - For Azure, C(token_cache) is V(true) unless the dictionary sets it, so that the roles' Azure tasks share one
    service principal token (and the cloud endpoints) through the encrypted token cache of the Azure
    modules (option C(token_cache)) instead of each signing in anew. Set C(token_cache=false) in the
    connection variable to turn it off.
  - A dictionary with any other key, or with one option given twice, gives an empty dictionary, so that
    none of its values reaches a module (an unknown option would be shown in clear in the module's
    invocation). The C(sentinel.aws.cloudtrail_input_errors) filter reports the key.
options:
  _input:
    description: The connection variable's value.
    type: dict
    required: true
  cloud:
    description: Which cloud the connection is for.
    type: str
    choices: [aws, azure]
    required: true
"""

EXAMPLES = r"""
- name: Pass the Azure connection to every Azure module of the collection
  module_defaults:
    group/sentinel.aws.azure: "{{ cloudtrail_azure_connection | sentinel.aws.cloudtrail_connection('azure') }}"
  sentinel.aws.workspace_info:
    workspace_name: law-sentinel
    resource_group: rg-sentinel
"""

RETURN = r"""
_value:
  description: The connection options by the modules' names; empty when the dictionary is refused.
  type: dict
"""

from ansible_collections.sentinel.aws.plugins.module_utils.validation import InvalidInput, check_connection

# What the roles add to the Azure connection: the first run of a role signs in once, not once per
# Azure task (issue 17: Azure token and discovery requests per run). Each module's own default
# stays false, so a module used on its own keeps no file unless asked.
ROLE_AZURE_DEFAULTS = {"token_cache": True}


def cloudtrail_connection(connection, cloud):
    """The connection options for module_defaults; nothing of a refused dictionary."""
    try:
        options = check_connection("connection", connection, cloud)
    except InvalidInput:
        # The account stops before any module runs (cloudtrail_input_errors names the key). Its
        # module_defaults still serve the reads made once for the play batch (tasks/shared_reads.yml)
        # when it is the first host: they then run as with an empty dictionary.
        return {}
    return dict(ROLE_AZURE_DEFAULTS, **options) if cloud == "azure" else options


class FilterModule(object):
    def filters(self):
        return {"cloudtrail_connection": cloudtrail_connection}
