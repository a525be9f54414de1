# -*- coding: utf-8 -*-
# Copyright: contributors to the sentinel.aws collection
# GNU General Public License v3.0+ (see COPYING or https://www.gnu.org/licenses/gpl-3.0.txt)

from __future__ import absolute_import, division, print_function

__metaclass__ = type

DOCUMENTATION = r"""
---
name: organizations
short_description: The accounts of an AWS Organization as inventory hosts
version_added: 0.2.0
description:
  - Lists the accounts of the AWS Organization that the credentials can read (the management account,
    or a delegated administrator of AWS Organizations), one host per account, so that the
    M(sentinel.aws.connector_role) module and the C(sentinel.aws.cloudtrail) role run once per account.
  - Each host gets the variables C(cloudtrail_aws_account_id) (what the C(sentinel.aws.cloudtrail) role
    reads) and C(aws_account_id) (the account ID), C(aws_account_name), C(aws_account_email),
    C(aws_account_arn), C(aws_account_status), C(aws_account_tags) (a dictionary), C(aws_ou_path) (the
    path of the account's OU, for example C(/Workloads/Prod); C(/) for an account under the root) and
    C(aws_ou_id) (the ID of the account's parent OU or root).
  - An inventory source synced from the organization (for example in AWX) picks up new accounts
    with no edit; filters choose which accounts become hosts.
  - The file must end in C(organizations.yml) or C(organizations.yaml).
  - Reads C(organizations:ListRoots), C(organizations:ListOrganizationalUnitsForParent),
    C(organizations:ListAccountsForParent) (one walk of the tree) and
    C(organizations:ListTagsForResource) for each account.
author:
  - sentinel.aws maintainers (@sentinel-aws)
options:
  plugin:
    description: The name of this plugin; it must be V(sentinel.aws.organizations).
    type: str
    required: true
    choices: [sentinel.aws.organizations]
  organizational_units:
    description:
      - Only accounts in these OUs, each an OU ID (V(ou-ab12-cd34ef56)), a root ID (V(r-ab12)), or an OU
        path of names from the root (V(/Workloads/Prod); V(/) is the root). Accounts of any of them are kept.
      - Empty (the default) keeps accounts of the whole organization.
    type: list
    elements: str
    default: []
  recursive:
    description:
      - Whether O(organizational_units) also keeps accounts of OUs nested below the ones named.
    type: bool
    default: true
  account_tags:
    description:
      - Only accounts with all these tags. A value may be a string, a list of strings (any of them), or
        V(null) (the tag with any value). V(true) and V(false) mean the tag values C(true) and C(false).
    type: dict
    default: {}
  statuses:
    description:
      - Only accounts in these states (the account's C(State), or C(Status) where Organizations does
        not answer C(State) yet). Suspended and closed accounts cannot be onboarded.
    type: list
    elements: str
    default: [ACTIVE]
  include_accounts:
    description:
      - Accounts (IDs or names) that become hosts whatever O(organizational_units) and O(account_tags)
        say (their status still counts).
    type: list
    elements: str
    default: []
  exclude_accounts:
    description:
      - Accounts (IDs or names) that never become hosts, for example the management account.
    type: list
    elements: str
    default: []
  hostname:
    description:
      - What names the host of an account, V(account_id) or V(account_name). Account names need not be
        unique; two selected accounts with the same name fail the inventory.
    type: str
    choices: [account_id, account_name]
    default: account_id
extends_documentation_fragment:
  - inventory_cache
  - constructed
  - sentinel.aws.aws_inventory
notes:
  - The AWS connection options are those of amazon.aws's inventory plugins (C(amazon.aws.aws_ec2)), with
    the same environment variables. O(assume_role_arn) assumes a role (in the management or delegated
    administrator account) before the organization is read.
  - The plugin only reads; nothing in the organization changes.
"""

EXAMPLES = r"""
# inventory/sentinel.organizations.yml: the active accounts under the Workloads OU (and the OUs below it)
# that are tagged for Sentinel, but the management account, grouped by OU and environment.
plugin: sentinel.aws.organizations
organizational_units:
  - /Workloads  # or an OU ID such as ou-ab12-cd34ef56, or a root ID r-ab12
account_tags:
  sentinel: "true"
  environment: [prod, staging]
exclude_accounts:
  - "111111111111"
keyed_groups:
  - key: aws_ou_path
    prefix: ou
  - key: aws_account_tags.environment | default('none')
    prefix: env
groups:
  production: aws_account_tags.environment | default('') == 'prod'
compose:
  # each host then assumes this role in its own account from the hub's credentials (sentinel.aws.cloudtrail)
  cloudtrail_assume_role_name: "'OrganizationAccountAccessRole'"
# From a delegated administrator, with a role that may read the organization, cached for an hour, add:
# assume_role_arn: arn:aws:iam::222222222222:role/OrganizationReader
# cache: true
# cache_plugin: ansible.builtin.jsonfile
# cache_connection: /tmp/sentinel_organizations_cache
# cache_timeout: 3600
"""

from ansible.errors import AnsibleError

from ansible_collections.amazon.aws.plugins.module_utils.botocore import paginated_query_with_retries
from ansible_collections.amazon.aws.plugins.module_utils.retries import AWSRetry
from ansible_collections.amazon.aws.plugins.plugin_utils.inventory import AWSInventoryBase
from ansible_collections.sentinel.aws.plugins.module_utils import organizations
from ansible_collections.sentinel.aws.plugins.module_utils.validation import InvalidInput

# Organizations answers TooManyRequestsException when throttling (Organizations API reference, Common Errors).
RETRY = AWSRetry.jittered_backoff(
    retries=8, delay=1, backoff=2.0, max_delay=20, catch_extra_error_codes=["TooManyRequestsException"]
)


class InventoryModule(AWSInventoryBase):
    NAME = "sentinel.aws.organizations"
    INVENTORY_FILE_SUFFIXES = ("organizations.yml", "organizations.yaml")

    def parse(self, inventory, loader, path, cache=True):
        super().parse(inventory, loader, path)
        try:
            filters = self._filters()
        except InvalidInput as e:
            raise AnsibleError(str(e)) from e
        cached, accounts = self.get_cached_result(path, cache)
        if not cached:
            accounts = self._read_accounts()
        self.update_cached_result(path, cache, accounts)
        selected = organizations.select_accounts(accounts, filters)
        hostname = self.get_option("hostname")
        if hostname == "account_name":
            duplicate = organizations.duplicate_names(selected)
            if duplicate is not None:
                raise AnsibleError(
                    "hostname: two selected accounts are named %r; use hostname: account_id or exclude one" % duplicate
                )
        for account in selected:
            self._add_host(organizations.host_name(account, hostname), organizations.host_vars(account))

    def _filters(self):
        return {
            "statuses": list(self.get_option("statuses") or []),
            "ous": organizations.parse_ou_filters("organizational_units", self.get_option("organizational_units")),
            "recursive": self.get_option("recursive"),
            "tags": self.get_option("account_tags") or {},
            "include": self.get_option("include_accounts"),
            "exclude": self.get_option("exclude_accounts"),
        }

    def _add_host(self, name, variables):
        self.inventory.add_host(name)
        for key, value in variables.items():
            self.inventory.set_variable(name, key, value)
        strict = self.get_option("strict")
        self._set_composite_vars(self.get_option("compose"), variables, name, strict=strict)
        self._add_host_to_composed_groups(self.get_option("groups"), variables, name, strict=strict)
        self._add_host_to_keyed_groups(self.get_option("keyed_groups"), variables, name, strict=strict)

    def _read_accounts(self):
        """Every account of the organization with its OU chain and tags (what the cache keeps, whatever the filters)."""
        # Imported here: AWSInventoryBase.parse has checked that boto3 is installed.
        from botocore.exceptions import BotoCoreError, ClientError

        client = self.client("organizations")
        accounts = []
        try:
            for root in self._pages(client, "list_roots", "Roots"):
                self._walk(client, root["Id"], [root["Id"]], [], accounts)
        except (BotoCoreError, ClientError) as e:
            self.fail_aws("Failed to read the accounts of the AWS Organization", exception=e)
        return accounts

    def _walk(self, client, parent_id, ou_ids, ou_names, accounts):
        for described in self._pages(client, "list_accounts_for_parent", "Accounts", ParentId=parent_id):
            tags = self._tags(client, described["Id"])
            accounts.append(organizations.account_record(described, tags, ou_ids, ou_names))
        for ou in self._pages(
            client, "list_organizational_units_for_parent", "OrganizationalUnits", ParentId=parent_id
        ):
            self._walk(client, ou["Id"], ou_ids + [ou["Id"]], ou_names + [ou["Name"]], accounts)

    def _tags(self, client, account_id):
        pages = self._pages(client, "list_tags_for_resource", "Tags", ResourceId=account_id)
        return dict((tag["Key"], tag["Value"]) for tag in pages)

    @staticmethod
    def _pages(client, operation, key, **kwargs):
        """Every item under ``key`` of a paginated call: botocore's paginator, each page retried when throttled."""
        return paginated_query_with_retries(client, operation, retry_decorator=RETRY, **kwargs).get(key, [])
