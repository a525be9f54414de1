# -*- coding: utf-8 -*-
# Copyright: contributors to the sentinel.aws collection
# GNU General Public License v3.0+ (see COPYING or https://www.gnu.org/licenses/gpl-3.0.txt)

from __future__ import absolute_import, division, print_function

__metaclass__ = type


class ModuleDocFragment(object):
    # What sentinel.aws adds to amazon.aws's connection options (amazon.aws.common.modules,
    # amazon.aws.region.modules, amazon.aws.boto3), which every AWS module of this collection uses.
    DOCUMENTATION = r"""
options: {}
notes:
  - AWS connection options and their environment variables are those of the amazon.aws
    collection (O(access_key), O(secret_key), O(session_token), O(profile), O(region),
    O(endpoint_url), O(validate_certs), O(aws_ca_bundle), O(aws_config)).
    Set them once for all modules with C(module_defaults) and the action group
    C(group/sentinel.aws.aws), which also covers amazon.aws modules.
  - When O(session_token) is not set and no O(profile) is used, the C(AWS_SECURITY_TOKEN)
    environment variable is read as the session token, as well as C(AWS_SESSION_TOKEN).
    Older AWX and Automation Platform credentials inject only C(AWS_SECURITY_TOKEN),
    which amazon.aws 10 no longer reads.
  - boto3 itself reads C(AWS_ENDPOINT_URL) (and C(AWS_ENDPOINT_URL_IAM), C(AWS_ENDPOINT_URL_STS))
    when O(endpoint_url) is not set; this is how a local AWS emulator or a proxy is reached.
  - The AWS partition is derived from O(region) without any API call. Only the AWS commercial
    partition (C(aws)) is supported by the Sentinel CloudTrail (legacy) connector; regions of
    AWS GovCloud (US) or AWS China make the module fail before any call.
"""
