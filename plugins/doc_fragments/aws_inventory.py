# -*- coding: utf-8 -*-
# Copyright: contributors to the sentinel.aws collection
# GNU General Public License v3.0+ (see COPYING or https://www.gnu.org/licenses/gpl-3.0.txt)

from __future__ import absolute_import, division, print_function

__metaclass__ = type


class ModuleDocFragment(object):
    # The connection options amazon.aws's inventory base class reads (its get_option names, aliases and
    # environment variables), documented here rather than through amazon.aws's fragments, so that the
    # plugin's documentation renders where amazon.aws is not installed (Galaxy's importer).
    DOCUMENTATION = r"""
options:
  access_key:
    description:
      - The AWS access key ID of the credentials that read the organization (the hub, that is the management
        account or a delegated administrator of AWS Organizations).
      - When no key, profile or token is given, boto3's own credential chain is used.
    type: str
    aliases: [aws_access_key_id, aws_access_key]
    env:
      - name: AWS_ACCESS_KEY_ID
      - name: AWS_ACCESS_KEY
  secret_key:
    description: The secret access key that goes with O(access_key).
    type: str
    aliases: [aws_secret_access_key, aws_secret_key]
    env:
      - name: AWS_SECRET_ACCESS_KEY
      - name: AWS_SECRET_KEY
  session_token:
    description: The session token of temporary credentials.
    type: str
    aliases: [aws_session_token]
    env:
      - name: AWS_SESSION_TOKEN
  profile:
    description:
      - A named profile of the AWS shared configuration and credentials files.
      - Not to be given together with O(access_key), O(secret_key) or O(session_token).
    type: str
    aliases: [aws_profile]
    env:
      - name: AWS_PROFILE
      - name: AWS_DEFAULT_PROFILE
  endpoint_url:
    description:
      - Send the requests to this URL instead of the public AWS endpoint (a proxy, a private endpoint,
        or a local test service such as the collection's sandbox).
    type: str
    aliases: [aws_endpoint_url]
    env:
      - name: AWS_URL
  region:
    description:
      - The AWS region of the Organizations endpoint (AWS Organizations is served from C(us-east-1) in the
        commercial partition).
    type: str
    aliases: [aws_region]
    env:
      - name: AWS_REGION
  assume_role_arn:
    description:
      - The ARN of a role to assume before listing the organization, for example a read-only role in
        the management account that the hub credentials may assume.
    type: str
    aliases: [iam_role_arn]
requirements:
  - boto3 >= 1.34.0
  - botocore >= 1.34.0
notes:
  - Credentials, environment variables and AWS configuration files are read on the controller, where
    inventory plugins run.
"""
