# -*- coding: utf-8 -*-
# Copyright: contributors to the sentinel.aws collection
# GNU General Public License v3.0+ (see COPYING or https://www.gnu.org/licenses/gpl-3.0.txt)

from __future__ import absolute_import, division, print_function

__metaclass__ = type


class ModuleDocFragment:
    # The AWS connection options of every AWS module of this collection. The options come from
    # amazon.aws's AnsibleAWSModule; their docs are carried here, after amazon.aws's own fragments
    # (common.modules, region.modules, boto3), rather than referenced from there, because Galaxy and
    # Automation Hub render a collection's docs without its dependencies installed: a reference to
    # amazon.aws's fragments leaves the module with no documentation there. Aliases are those of
    # amazon.aws >= 10, whose argument spec dropped the deprecated ec2_*/security_token aliases.
    DOCUMENTATION = r"""
options:
  access_key:
    description:
      - AWS access key ID.
      - The C(AWS_ACCESS_KEY_ID) or C(AWS_ACCESS_KEY) environment variables may also be used,
        in decreasing order of preference.
      - The O(access_key) and O(profile) options are mutually exclusive.
    type: str
    aliases: ['aws_access_key_id', 'aws_access_key']
  secret_key:
    description:
      - AWS secret access key.
      - The C(AWS_SECRET_ACCESS_KEY) or C(AWS_SECRET_KEY) environment variables may also be used,
        in decreasing order of preference.
      - The O(secret_key) and O(profile) options are mutually exclusive.
    type: str
    aliases: ['aws_secret_access_key', 'aws_secret_key']
  session_token:
    description:
      - AWS STS session token for use with temporary credentials.
      - The C(AWS_SESSION_TOKEN) environment variable may also be used (and C(AWS_SECURITY_TOKEN),
        see the notes).
      - The O(session_token) and O(profile) options are mutually exclusive.
    type: str
    aliases: ['aws_session_token']
  profile:
    description:
      - A named AWS profile to use for authentication.
      - The C(AWS_PROFILE) environment variable may also be used.
      - The O(profile) option is mutually exclusive with the O(access_key), O(secret_key) and
        O(session_token) options, and so with credentials injected as environment variables
        (for example by AWX's Amazon Web Services credential).
    type: str
    aliases: ['aws_profile']
  region:
    description:
      - The AWS region to use. IAM is a global service; the region picks the partition and the
        STS endpoint.
      - The C(AWS_REGION) environment variable may also be used.
    type: str
    aliases: ['aws_region']
  endpoint_url:
    description:
      - URL to connect to instead of the default AWS endpoints.
      - The C(AWS_URL) environment variable may also be used.
    type: str
    aliases: ['aws_endpoint_url']
  aws_ca_bundle:
    description:
      - The location of a CA bundle to use when validating SSL certificates.
      - The C(AWS_CA_BUNDLE) environment variable may also be used.
    type: path
  validate_certs:
    description:
      - When set to V(false), SSL certificates are not validated for communication with the AWS
        APIs. This is strongly discouraged; set O(aws_ca_bundle) instead.
    type: bool
    default: true
  aws_config:
    description:
      - A dictionary to modify the botocore configuration, see
        U(https://botocore.amazonaws.com/v1/documentation/api/latest/reference/config.html#botocore.config.Config).
    type: dict
  debug_botocore_endpoint_logs:
    description:
      - Use a C(botocore.endpoint) logger to list the unique C(resource:action) API calls made
        during a task in the C(resource_actions) key of the result.
      - The C(ANSIBLE_DEBUG_BOTOCORE_LOGS) environment variable may also be used.
    type: bool
    default: false
requirements:
  - python >= 3.10
  - boto3 >= 1.34.0
  - botocore >= 1.34.0
  - the amazon.aws collection >= 8.0.0
notes:
  - These are the connection options of the amazon.aws collection, whose module plumbing this
    module uses. Set them once for all modules with C(module_defaults) and the action group
    C(group/sentinel.aws.aws), which also covers amazon.aws modules.
  - When O(session_token) is not set and no O(profile) is used, the C(AWS_SECURITY_TOKEN)
    environment variable is read as the session token, as well as C(AWS_SESSION_TOKEN).
    Older AWX and Automation Platform credentials inject only C(AWS_SECURITY_TOKEN),
    which amazon.aws 10 no longer reads.
  - boto3 itself reads C(AWS_ENDPOINT_URL) (and C(AWS_ENDPOINT_URL_IAM), C(AWS_ENDPOINT_URL_STS))
    when O(endpoint_url) is not set; this is how a local AWS emulator or a proxy is reached.
  - boto3 may also read credentials and other settings from its configuration files on the host
    the module runs on (typically C(~/.aws/credentials)).
  - The AWS partition is derived from O(region) without any API call. Only the AWS commercial
    partition (C(aws)) is supported by the Sentinel CloudTrail (legacy) connector; regions of
    AWS GovCloud (US) or AWS China make its modules fail before any call. The modules of the S3
    connector also serve AWS GovCloud (US), chosen with their C(aws_partition) option.
"""

    # The hub-credential options of module_utils/assume_role.py (SentinelAWSModule). The guard option is
    # named in plain C(), not O(): connector_role has account_id, the S3 connector's modules aws_account_id.
    ASSUME_ROLE = r"""
options:
  assume_role_arn:
    description:
      - ARN of an IAM role to assume with the module's credentials (for example those of an AWS
        Organizations management or delegated administrator account, the I(hub)); the module
        then works in the role's account with the role's temporary credentials.
      - The role is assumed inside the module, once per task, with C(sts:AssumeRole).
      - When the module's account guard is set (its option C(account_id), or C(aws_account_id) in the
        modules of the S3 connector), the ARN must be in that account; the task fails before any call
        otherwise. The assumed identity's account is checked against the guard too.
      - Mutually exclusive with O(assume_role_name).
    type: str
  assume_role_name:
    description:
      - Name of an IAM role to assume in the account of the module's account guard (C(account_id), or
        C(aws_account_id) in the modules of the S3 connector; required with this option), for
        example V(OrganizationAccountAccessRole) (made by AWS Organizations in the accounts it
        creates) or V(AWSControlTowerExecution) (AWS Control Tower). The ARN is built in the
        partition of the module's credentials (its O(region)).
      - Mutually exclusive with O(assume_role_arn).
    type: str
  assume_role_external_id:
    description:
      - The C(sts:ExternalId) to send when assuming the role, when the role's trust policy asks for one.
      - 2 to 1224 letters, digits and C(+=,.@:/_-). Never shown in logs or results.
    type: str
  assume_role_session_name:
    description:
      - The session name of the assumed role (2 to 64 letters, digits and C(+=,.@_-)); it shows in
        the member account's CloudTrail as who made the changes.
    type: str
    default: sentinel-aws
"""

    # The tagging options, as amazon.aws.tags documents them (same reason as above).
    TAGS = r"""
options:
  tags:
    description:
      - A dictionary representing the tags to be applied to the resource.
      - If the O(tags) parameter is not set then tags will not be modified.
    type: dict
    required: false
    aliases: ['resource_tags']
  purge_tags:
    description:
      - If O(purge_tags=true) and O(tags) is set, existing tags are purged from the resource to
        match exactly what is defined by the O(tags) parameter.
      - If the O(tags) parameter is not set then tags will not be modified, even if
        O(purge_tags=true).
      - Tag keys beginning with V(aws:) are reserved by Amazon and cannot be modified; they are
        ignored for the purposes of the O(purge_tags) parameter.
    type: bool
    default: true
    required: false
"""
