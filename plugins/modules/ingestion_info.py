#!/usr/bin/python
# -*- coding: utf-8 -*-
# Copyright: contributors to the sentinel.aws collection
# GNU General Public License v3.0+ (see COPYING or https://www.gnu.org/licenses/gpl-3.0.txt)

from __future__ import absolute_import, division, print_function

__metaclass__ = type

DOCUMENTATION = r"""
module: ingestion_info
short_description: Tell, per AWS account, whether Microsoft Sentinel receives its CloudTrail logs, and if not why
version_added: 0.1.0
description:
  - Reads the workspace's logs through the Log Analytics query API (C(azure-monitor-query)'s
    C(LogsQueryClient)) and gives each AWS account a verdict, a one-line reason and, for known
    failures, the fix.
  - V(receiving) - events of the account arrived in the last O(window_minutes).
  - V(waiting) - no events yet, and the connector is younger than O(waiting_minutes) (first data
    takes 20 to 30 minutes).
  - V(failing) - the connector's latest C(SentinelHealth) status is a failure, or it has fetch
    failures in the window and no events. Known causes get a fix - role not assumable, external ID
    mismatch, KMS decrypt, SQS permissions.
  - V(silent) - no events in the window, and the connector is older than O(waiting_minutes) or of
    unknown age.
  - The connector's age is O(accounts[].connected_at) when given, else its first C(SentinelHealth)
    record in the last 7 days.
  - When C(SentinelHealth) is not enabled on the workspace the module says so (RV(sentinel_health))
    and how to enable it - a diagnostic setting on the workspace's
    C(Microsoft.SecurityInsights/settings/SentinelHealth). Verdicts then rest on events alone.
  - "It runs these queries (shown with a 120-minute window and one account; RV(queries) returns
    the exact texts of a run, ready to paste into the portal's Logs page):"
  - "AWSCloudTrail | where TimeGenerated > ago(7d) | where RecipientAccountId in (\"123456789012\")
    | summarize LastEvent = max(TimeGenerated), Events = countif(TimeGenerated > ago(120m)) by RecipientAccountId"
  - "SentinelHealth | where TimeGenerated > ago(7d) | where SentinelResourceKind == \"AmazonWebServicesCloudTrail\"
    | summarize FirstSeen = min(TimeGenerated), arg_max(TimeGenerated, Status, OperationName, Description)
    by SentinelResourceId, SentinelResourceName"
  - "SentinelHealth | where TimeGenerated > ago(120m) | where SentinelResourceKind == \"AmazonWebServicesCloudTrail\"
    | where OperationName == \"Data fetch failure summary\" | mv-expand Failure = ExtendedProperties.FailureSummary
    | summarize Failures = count(), LastFailure = max(TimeGenerated) by SentinelResourceId, SentinelResourceName,
    StatusCode = tostring(Failure.StatusCode), StatusMessage = tostring(Failure.StatusMessage)"
  - Only reads; the same in check mode.
author:
  - sentinel.aws maintainers (@sentinel-aws)
requirements:
  - azure-monitor-query >= 2.0.0
options:
  workspace_id:
    description:
      - The workspace ID (C(customerId), a GUID) of the Log Analytics workspace, as
        M(sentinel.aws.workspace_info) returns it in RV(sentinel.aws.workspace_info#module:workspace.customer_id).
    type: str
    required: true
  accounts:
    description:
      - The AWS accounts to check.
    type: list
    elements: dict
    required: true
    suboptions:
      aws_account_id:
        description:
          - The AWS account ID (12 digits), as C(RecipientAccountId) holds it.
        type: str
        required: true
      connector_id:
        description:
          - The ID (name) of the account's Sentinel data connector, matched against
            C(SentinelResourceName) and the end of C(SentinelResourceId) in C(SentinelHealth).
          - Without it the account's health and age are unknown.
        type: str
      connected_at:
        description:
          - When the connector was created (ISO 8601, for example V(2026-11-30T06:00:00Z)), if known;
            else its first C(SentinelHealth) record is used.
        type: str
  connectors:
    description:
      - The workspace's AWS data connectors, as M(sentinel.aws.data_connector_info) returns them in
        RV(sentinel.aws.data_connector_info#module:connectors) (C(name), C(kind), C(aws_role_arn)).
      - An account without O(accounts[].connector_id) gets the C(AmazonWebServicesCloudTrail)
        connector whose role is in that account (the first by name when there are several).
    type: list
    elements: dict
    default: []
  window_minutes:
    description:
      - Events and failures are counted in the last this many minutes.
    type: int
    default: 120
  waiting_minutes:
    description:
      - A connector younger than this without events is V(waiting), older V(silent).
    type: int
    default: 30
  logs_endpoint:
    description:
      - The Log Analytics query endpoint, without C(/v1).
      - Default, the cloud's - V(https://api.loganalytics.io) (AzureCloud),
        V(https://api.loganalytics.us) (AzureUSGovernment), V(https://api.loganalytics.azure.cn)
        (AzureChinaCloud). Required when O(cloud_environment) is a metadata URL.
      - Tokens are requested for this endpoint as audience.
    type: str
extends_documentation_fragment:
  - sentinel.aws.azure
  - sentinel.aws.attributes.info_module
  - sentinel.aws.attributes.actiongroup_azure
notes:
  - The identity needs read access to the workspace's logs (for example the Log Analytics Reader
    or Microsoft Sentinel Reader role).
  - O(subscription_id) is not used by this module.
  - The environment variable E(SENTINEL_AWS_LOGS_ENDPOINT) sets O(logs_endpoint).
seealso:
  - module: sentinel.aws.workspace_info
  - module: sentinel.aws.data_connector_info
  - name: Monitor the health of your data connectors
    description: Enabling SentinelHealth, and its queries.
    link: https://learn.microsoft.com/azure/sentinel/monitor-data-connector-health
"""

EXAMPLES = r"""
- name: Find the workspace ID
  sentinel.aws.workspace_info:
    workspace_name: law-sentinel
    resource_group: rg-sentinel
    sentinel_state: false
  register: sentinel_workspace

- name: List the workspace's AWS connectors (each account's connector is found by its role ARN)
  sentinel.aws.data_connector_info:
    workspace_name: law-sentinel
    resource_group: rg-sentinel
  register: sentinel_connectors

- name: Is Sentinel receiving these accounts' CloudTrail events?
  sentinel.aws.ingestion_info:
    workspace_id: "{{ sentinel_workspace.workspace.customer_id }}"
    connectors: "{{ sentinel_connectors.connectors }}"
    accounts:
      - aws_account_id: "111111111111"
      - aws_account_id: "222222222222"
        # Known creation time of a connector that may have no health record yet
        connected_at: "2026-11-30T06:00:00Z"
  register: ingestion

- name: Show each account's verdict
  ansible.builtin.debug:
    msg: "{{ item.aws_account_id }}: {{ item.verdict }} ({{ item.reason }})"
  loop: "{{ ingestion.accounts }}"
"""

RETURN = r"""
accounts:
  description: One entry per account, in the order given.
  returned: success
  type: list
  elements: dict
  contains:
    aws_account_id:
      description: The AWS account.
      type: str
      sample: "123456789012"
    connector_id:
      description: The connector ID given, or null.
      type: str
    verdict:
      description: V(receiving), V(waiting), V(silent) or V(failing).
      type: str
      sample: receiving
    reason:
      description: One line saying why.
      type: str
      sample: 42 events in the last 120 minutes, the latest at 2026-11-30T06:10:00Z
    fixes:
      description: Known fixes for the failures seen, each C(cause) (V(role_not_assumable),
        V(external_id_mismatch), V(kms_decrypt), V(sqs_permissions)) and C(fix).
      type: list
      elements: dict
    last_event:
      description: Time of the account's last event in the last 7 days (UTC), or null.
      type: str
      sample: "2026-11-30T06:10:00Z"
    events_in_window:
      description: Number of the account's events in the last O(window_minutes).
      type: int
      sample: 42
    connector_status:
      description: The connector's latest C(SentinelHealth) record (C(status), C(operation),
        C(description), C(time), C(first_seen)), or null.
      type: dict
    recent_failures:
      description: Fetch failures in the window, latest first (C(status_code), C(status_message),
        C(count), C(last_failure), C(cause), C(fix)).
      type: list
      elements: dict
    connected_since:
      description: The connector's creation time used for its age (given or first health record), or null.
      type: str
    quiet_minutes:
      description: Minutes since the account's last event (in the last 7 days), or since C(connected_since)
        when there was none; null when neither is known.
      type: int
      sample: 1800
summary:
  description: Account IDs per verdict.
  returned: success
  type: dict
  sample: {"receiving": ["111111111111"], "waiting": [], "silent": ["222222222222"], "failing": []}
sentinel_health:
  description: Whether the C(SentinelHealth) table exists in the workspace, and how to enable it when not.
  returned: success
  type: dict
  sample: {"enabled": false, "message": "SentinelHealth is not enabled on this workspace, ..."}
queries:
  description: The exact query texts run, to paste into the portal's Logs page.
  returned: success
  type: list
  elements: str
status_code:
  description: HTTP status of the failed Azure call.
  returned: on Azure errors
  type: int
error_code:
  description: Error code of the failed Azure call.
  returned: on Azure errors, when Azure gives one
  type: str
"""

from ansible.module_utils.basic import AnsibleModule, env_fallback

from ansible_collections.sentinel.aws.plugins.module_utils.azure_auth import azure_argument_spec, connection_warnings
from ansible_collections.sentinel.aws.plugins.module_utils.ingestion import (
    HEALTH_NOT_ENABLED,
    HEALTH_TABLE,
    LOOKBACK_DAYS,
    InvalidInput,
    QueryFailed,
    account_report,
    check_accounts,
    check_minutes,
    check_workspace_id,
    events_query,
    failures_query,
    health_query,
    logs_query,
    now_utc,
    summary,
    window_timespan,
    with_connectors,
)

ARGUMENT_SPEC = dict(
    workspace_id=dict(type="str", required=True),
    accounts=dict(
        type="list",
        elements="dict",
        required=True,
        options=dict(
            aws_account_id=dict(type="str", required=True),
            connector_id=dict(type="str"),
            connected_at=dict(type="str"),
        ),
    ),
    connectors=dict(type="list", elements="dict", default=[]),
    window_minutes=dict(type="int", default=120),
    waiting_minutes=dict(type="int", default=30),
    logs_endpoint=dict(type="str", fallback=(env_fallback, ["SENTINEL_AWS_LOGS_ENDPOINT"])),
)


def run(module):
    params = module.params
    try:
        workspace_id = check_workspace_id(params["workspace_id"])
        accounts = with_connectors(check_accounts(params["accounts"]), params["connectors"])
        window = check_minutes("window_minutes", params["window_minutes"])
        waiting = check_minutes("waiting_minutes", params["waiting_minutes"])
    except InvalidInput as exc:
        module.fail_json(msg=str(exc))
    queries = [
        events_query([a["aws_account_id"] for a in accounts], window),
        health_query(),
        failures_query(window),
    ]
    lookback = window_timespan(LOOKBACK_DAYS * 24 * 60)
    try:
        query = logs_query(params)
        events = {row["RecipientAccountId"]: row for row in query(workspace_id, queries[0], lookback)}
        try:
            health = query(workspace_id, queries[1], lookback)
            failures = query(workspace_id, queries[2], window_timespan(window))
        except QueryFailed as exc:
            # SentinelHealth exists only once health monitoring is enabled (SEM0100 on the table).
            if exc.result["error_code"] != "UnknownTable:" + HEALTH_TABLE:
                raise
            health = failures = None
    except QueryFailed as exc:
        module.fail_json(**exc.result)
    now = now_utc()
    reports = [
        account_report(a, events.get(a["aws_account_id"]), health, failures, now, window, waiting, workspace_id)
        for a in accounts
    ]
    module.exit_json(
        changed=False,
        accounts=reports,
        summary=summary(reports),
        sentinel_health=dict(enabled=health is not None, message=None if health is not None else HEALTH_NOT_ENABLED),
        queries=queries,
    )


def main():
    module = AnsibleModule(argument_spec=azure_argument_spec(ARGUMENT_SPEC), supports_check_mode=True)
    for warning in connection_warnings(module.params):
        module.warn(warning)
    run(module)


if __name__ == "__main__":
    main()
