"""Pure Sentinel logic: workspace references, connector IDs, payload shape, matching, comparison, backoff."""

from __future__ import absolute_import, division, print_function
from __future__ import annotations

__metaclass__ = type

import uuid

import pytest

from ansible_collections.sentinel.aws.plugins.module_utils import sentinel
from ansible_collections.sentinel.aws.plugins.module_utils.sentinel import (
    CLOUDTRAIL_KIND,
    InvalidInput,
    RetryBudgetSpent,
)

SUB = "0b1f6471-0000-4000-8000-00000000501b"
ARN = "arn:aws:iam::123456789012:role/MicrosoftSentinelRole"
WS_ID = (
    f"/subscriptions/{SUB}/resourceGroups/rg-sentinel/providers/Microsoft.OperationalInsights/workspaces/law-sentinel"
)


def cloudtrail(name, arn=ARN, logs=True, etag='"e1"'):
    return dict(id=f"{WS_ID}/x/{name}", name=name, kind=CLOUDTRAIL_KIND, aws_role_arn=arn, logs_enabled=logs, etag=etag)


# --- workspace references ---------------------------------------------------------------------


def test_workspace_by_name_and_group():
    ref = sentinel.workspace_reference(dict(workspace_name="law-sentinel", resource_group="rg-sentinel"))
    assert ref == dict(subscription_id=None, resource_group="rg-sentinel", name="law-sentinel")


@pytest.mark.parametrize("provider", ["Microsoft.OperationalInsights", "microsoft.operationalinsights"])
def test_workspace_resource_id_parsed_case_insensitively(provider):
    rid = WS_ID.replace("Microsoft.OperationalInsights", provider)
    assert sentinel.parse_workspace_resource_id(rid) == dict(
        subscription_id=SUB, resource_group="rg-sentinel", name="law-sentinel"
    )


@pytest.mark.parametrize(
    "rid, fragment",
    [
        ("/subscriptions/not-a-guid/resourceGroups/rg/providers/Microsoft.OperationalInsights/workspaces/law1", "GUID"),
        (
            f"/subscriptions/{SUB}/resourceGroups/rg/providers/Microsoft.Storage/storageAccounts/x",
            "workspace_resource_id",
        ),
        (f"/subscriptions/{SUB}/resourceGroups/rg/providers/Microsoft.OperationalInsights/workspaces/a", "4-63"),
        ("law-sentinel", "workspace_resource_id"),
    ],
)
def test_bad_workspace_resource_ids(rid, fragment):
    with pytest.raises(InvalidInput, match=fragment):
        sentinel.parse_workspace_resource_id(rid)


@pytest.mark.parametrize(
    "params, fragment",
    [
        ({}, "give the workspace either as workspace_name and resource_group, or as workspace_resource_id"),
        ({"workspace_name": "law-sentinel"}, "workspace_name and resource_group go together: give both"),
        ({"workspace_resource_id": WS_ID, "workspace_name": "law-sentinel"}, r"\(not both\)"),
        ({"workspace_name": "-bad", "resource_group": "rg"}, "workspace_name"),
        ({"workspace_name": "law-sentinel", "resource_group": "ends-with-period."}, "resource_group"),
        ({"workspace_name": "law-sentinel", "resource_group": "x" * 91}, "resource_group"),
    ],
)
def test_bad_workspace_references(params, fragment):
    with pytest.raises(InvalidInput, match=fragment):
        sentinel.workspace_reference(params)


ROLE_WORKSPACE_VARIABLES = dict(
    workspace_name="cloudtrail_workspace_name",
    resource_group="cloudtrail_resource_group",
    workspace_resource_id="cloudtrail_workspace_resource_id",
)


@pytest.mark.parametrize(
    "values, message",
    [
        (
            {},
            "give the workspace either as cloudtrail_workspace_name and cloudtrail_resource_group, "
            "or as cloudtrail_workspace_resource_id (not both)",
        ),
        (
            {"workspace_name": "law", "resource_group": "rg", "workspace_resource_id": WS_ID},
            "give the workspace either as cloudtrail_workspace_name and cloudtrail_resource_group, "
            "or as cloudtrail_workspace_resource_id (not both)",
        ),
        ({"resource_group": "rg"}, "cloudtrail_workspace_name and cloudtrail_resource_group go together: give both"),
        ({"workspace_name": "", "resource_group": "rg"}, "go together"),  # empty is not given
    ],
)
def test_the_workspace_choice_names_the_options_as_the_caller_calls_them(values, message):
    """One rule for the modules' options and the role's variables: only the names in the message differ."""
    with pytest.raises(InvalidInput) as refused:
        sentinel.check_workspace_choice(values, ROLE_WORKSPACE_VARIABLES)
    assert message in str(refused.value)


@pytest.mark.parametrize(
    "values",
    [{"workspace_name": "law", "resource_group": "rg"}, {"workspace_resource_id": WS_ID, "workspace_name": None}],
)
def test_a_workspace_named_one_way_passes(values):
    assert sentinel.check_workspace_choice(values) is None


def test_resource_group_allows_azure_characters():
    assert sentinel.check_resource_group("rg_(prod).eu-1") == "rg_(prod).eu-1"


@pytest.mark.parametrize("value", [None, "", "12345", "0b1f6471-0000-4000-8000-00000000501"])
def test_bad_subscription_ids(value):
    with pytest.raises(InvalidInput, match="subscription_id"):
        sentinel.check_subscription_id(value)


# --- role ARN and kind ---------------------------------------------------------------------------


def test_role_arn_accepted():
    assert sentinel.check_connector_role_arn(CLOUDTRAIL_KIND, ARN) == ARN


@pytest.mark.parametrize("arn", ["arn:aws:iam::12345:role/x", "arn:aws:iam::123456789012:user/x", "role/x"])
def test_malformed_role_arn(arn):
    with pytest.raises(InvalidInput, match="aws_role_arn"):
        sentinel.check_connector_role_arn(CLOUDTRAIL_KIND, arn)


@pytest.mark.parametrize("partition", ["aws-us-gov", "aws-cn"])
def test_cloudtrail_connector_refuses_other_partitions(partition):
    with pytest.raises(InvalidInput, match="commercial"):
        sentinel.check_connector_role_arn(CLOUDTRAIL_KIND, f"arn:{partition}:iam::123456789012:role/x")


def test_unknown_kind():
    with pytest.raises(InvalidInput, match="kind must be one of AmazonWebServicesCloudTrail"):
        sentinel.check_kind("Office365")


# --- connector ID derivation -------------------------------------------------------------------------


def test_derived_id_is_stable_case_insensitive_and_a_uuid5():
    first = sentinel.derive_connector_id(CLOUDTRAIL_KIND, ARN)
    assert first == sentinel.derive_connector_id(CLOUDTRAIL_KIND, ARN.upper().replace("ARN:AWS:IAM", "arn:aws:iam"))
    assert uuid.UUID(first).version == 5
    assert first == str(uuid.uuid5(sentinel.CONNECTOR_ID_NAMESPACE, f"{CLOUDTRAIL_KIND}:{ARN.lower()}"))
    assert first != sentinel.derive_connector_id(CLOUDTRAIL_KIND, ARN + "2")


def test_namespace_never_changes():
    # Changing it would make every existing installation create a duplicate connector.
    assert sentinel.derive_connector_id(CLOUDTRAIL_KIND, ARN) == "80b6aca1-fcd6-5dce-ad92-010c7f865ecb"


# --- SDK data to our shape ----------------------------------------------------------------------------


def test_summary_of_cloudtrail_model():
    data = dict(
        id="/x",
        name="n",
        etag='"e"',
        kind=CLOUDTRAIL_KIND,
        aws_role_arn=ARN,
        data_types=dict(logs=dict(state="Disabled")),
    )
    assert sentinel.connector_summary(data) == dict(
        id="/x", name="n", kind=CLOUDTRAIL_KIND, etag='"e"', aws_role_arn=ARN, logs_enabled=False
    )


def test_summary_restores_kind_the_sdk_lost():
    data = dict(id="/x", name="n", etag='"e"', kind="DataConnector")
    assert sentinel.connector_summary(data, dict(name="n", kind="Office365")) == dict(
        id="/x", name="n", kind="Office365", etag='"e"'
    )


def test_payload_from_model_keeps_kind_and_datatypes():
    # The REST body the SDK model produces: kind present (a dict body loses it in 1.0.0), dataTypes always.
    from azure.mgmt.securityinsight import models

    body = models.AwsCloudTrailDataConnector(
        aws_role_arn=ARN,
        data_types=models.AwsCloudTrailDataConnectorDataTypes(
            logs=models.AwsCloudTrailDataConnectorDataTypesLogs(state=sentinel.logs_state(False))
        ),
    ).serialize()
    assert body == {
        "kind": CLOUDTRAIL_KIND,
        "properties": {"awsRoleArn": ARN, "dataTypes": {"logs": {"state": "Disabled"}}},
    }
    assert sentinel.logs_state(True) == "Enabled"


# --- finding the connector ----------------------------------------------------------------------------


def test_find_adopts_hand_made_connector_by_role():
    handmade = cloudtrail("a1b2c3d4-0000-4000-8000-000000000001", arn=ARN.replace("Microsoft", "microsoft"))
    current, target = sentinel.find_connector(
        [cloudtrail("other", arn=ARN + "X"), handmade], CLOUDTRAIL_KIND, ARN, None
    )
    assert current is handmade and target == handmade["name"]


def test_find_uses_derived_id_when_nothing_holds_the_role():
    current, target = sentinel.find_connector([cloudtrail("x", arn=ARN + "X")], CLOUDTRAIL_KIND, ARN, None)
    assert current is None and target == sentinel.derive_connector_id(CLOUDTRAIL_KIND, ARN)


def test_find_given_id_conflicting_with_holder_fails():
    with pytest.raises(InvalidInput, match="already connects role"):
        sentinel.find_connector([cloudtrail("holder")], CLOUDTRAIL_KIND, ARN, "a1b2c3d4-0000-4000-8000-000000000009")


def test_find_given_id_updates_connector_with_other_role():
    existing = cloudtrail("A1B2C3D4-0000-4000-8000-000000000009", arn=ARN + "Old")
    current, target = sentinel.find_connector([existing], CLOUDTRAIL_KIND, ARN, "a1b2c3d4-0000-4000-8000-000000000009")
    assert current is existing and target == existing["name"]


def test_find_given_id_of_another_kind_fails():
    other = dict(name="a1b2c3d4-0000-4000-8000-000000000009", kind="Office365")
    with pytest.raises(InvalidInput, match="kind Office365"):
        sentinel.find_connector([other], CLOUDTRAIL_KIND, ARN, "a1b2c3d4-0000-4000-8000-000000000009")


def test_find_given_id_of_another_accounts_connector_fails_naming_connector_arn_and_account():
    other_account_arn = "arn:aws:iam::111111111111:role/MicrosoftSentinelRole"
    theirs = cloudtrail("bbbbbbbb-0000-4000-8000-00000000000b", arn=other_account_arn)
    with pytest.raises(InvalidInput) as refused:
        sentinel.find_connector([theirs], CLOUDTRAIL_KIND, ARN, "BBBBBBBB-0000-4000-8000-00000000000B")
    message = str(refused.value)
    assert message.startswith("connector_id bbbbbbbb-0000-4000-8000-00000000000b is the connector of AWS account")
    assert other_account_arn in message and "111111111111" in message and "Nothing was changed" in message


def test_find_given_id_of_a_renamed_role_in_the_same_account_is_an_update():
    renamed = cloudtrail("a1b2c3d4-0000-4000-8000-000000000009", arn="arn:aws:iam::123456789012:role/OldName")
    current, target = sentinel.find_connector([renamed], CLOUDTRAIL_KIND, ARN, renamed["name"])
    assert (current, target) == (renamed, renamed["name"])


@pytest.mark.parametrize(
    "held, wanted, refused",
    [
        ("arn:aws:iam::111111111111:role/A", "arn:aws:iam::123456789012:role/A", True),
        ("arn:aws:iam::123456789012:role/path/Old", "arn:aws:iam::123456789012:role/New", False),
        ("not an arn", ARN, True),  # a hand-made connector whose account cannot be told: never repointed
        (None, ARN, False),  # no role held: nothing to stop reading
    ],
)
def test_repointing_refusal(held, wanted, refused):
    message = sentinel.repointing_refusal(dict(name="c", aws_role_arn=held), wanted, "cloudtrail_connector_id")
    assert bool(message) is refused
    if refused:
        assert message.startswith("cloudtrail_connector_id c is the connector of AWS account")


def test_role_arn_account():
    assert sentinel.role_arn_account(" arn:aws:iam::123456789012:role/x/y ") == "123456789012"
    assert sentinel.role_arn_account("arn:aws:iam::123:role/x") is None
    assert sentinel.role_arn_account(None) is None


@pytest.mark.parametrize(
    "status, message, expected",
    [
        # the emulator's wording (tests/sandbox/arm.py), and the real one (Azure/Azure-Sentinel #15075)
        (
            400,
            "Data connector validation failed: there cannot be two connectors with different names and the "
            "same kind and context id. Connector 'x' ...",
            True,
        ),
        (400, "Two connectors with different names and the same kind and context id", True),
        (409, "two connectors with different names and the same kind and context id", False),
        (400, "Invalid AWS role ARN or the role cannot be assumed by Microsoft Sentinel", False),
        (None, None, False),
    ],
)
def test_duplicate_refusal_recognised_narrowly(status, message, expected):
    assert sentinel.is_duplicate_refusal(status, message) is expected


def test_duplicate_refusal_names_the_other_connectors_of_the_kind_and_how_to_remove_them():
    leftover = cloudtrail("0d5e3c8f-0000-4000-8000-000000000002", arn=ARN.replace("Microsoft", "Old"))
    ours = cloudtrail("3c8f5a47-0000-4000-8000-000000000001")
    connectors = [ours, dict(name="office", kind="Office365"), leftover]
    message = sentinel.duplicate_refusal_message(connectors, CLOUDTRAIL_KIND, ours["name"], "law-sentinel", "refused")
    assert message.startswith(f"Sentinel refused connector {ours['name']} on workspace law-sentinel as a duplicate")
    assert f"{leftover['name']} (role {leftover['aws_role_arn']})" in message
    assert "state=absent connector_id=<its name>" in message
    assert ours["name"] + " (role" not in message and "office" not in message
    alone = sentinel.duplicate_refusal_message([ours], CLOUDTRAIL_KIND, ours["name"], "law-sentinel", "refused")
    assert "found no other AmazonWebServicesCloudTrail connector" in alone


def test_select_for_removal():
    one, two = cloudtrail("11111111-0000-4000-8000-000000000001"), cloudtrail("22", arn=ARN + "2")
    assert sentinel.select_for_removal([two, one], CLOUDTRAIL_KIND, ARN, None) is one
    assert sentinel.select_for_removal([two, one], CLOUDTRAIL_KIND, None, "11111111-0000-4000-8000-000000000001") is one
    assert sentinel.select_for_removal([two], CLOUDTRAIL_KIND, ARN, None) is None
    # An ID holding another role than the one given is not removed.
    assert sentinel.select_for_removal([two], CLOUDTRAIL_KIND, ARN, "22") is None


def test_filter_connectors_keeps_aws_kinds():
    items = [
        cloudtrail("a"),
        cloudtrail("b", arn=ARN + "2"),
        dict(name="c", kind="Office365"),
        dict(name="d", kind="AmazonWebServicesS3"),
    ]
    assert [c["name"] for c in sentinel.filter_connectors(items)] == ["a", "b", "d"]
    assert [c["name"] for c in sentinel.filter_connectors(items, connector_id="B")] == ["b"]
    assert [c["name"] for c in sentinel.filter_connectors(items, role_arn=ARN.upper())] == ["a"]


# --- comparison and diff ---------------------------------------------------------------------------------


def test_comparison():
    desired = sentinel.desired_connector(CLOUDTRAIL_KIND, ARN, True)
    assert sentinel.connector_differs(None, desired)
    assert not sentinel.connector_differs(cloudtrail("a", arn=ARN.lower()), desired)
    assert sentinel.connector_differs(cloudtrail("a", logs=False), desired)
    assert sentinel.connector_differs(cloudtrail("a", arn=ARN + "2"), desired)


def test_diff_and_planned_connector():
    before = cloudtrail("a", logs=False)
    after = sentinel.planned_connector(before, sentinel.desired_connector(CLOUDTRAIL_KIND, ARN, True), "a", WS_ID)
    assert after["id"] == before["id"] and after["logs_enabled"] is True and after["etag"] == '"e1"'
    diff = sentinel.connector_diff(before, after)
    assert diff["before"]["logs_enabled"] is False and diff["after"]["logs_enabled"] is True
    assert "etag" not in diff["after"]
    created = sentinel.planned_connector(None, sentinel.desired_connector(CLOUDTRAIL_KIND, ARN, True), "n", WS_ID)
    assert created["id"] == f"{WS_ID}/providers/Microsoft.SecurityInsights/dataConnectors/n"
    assert sentinel.connector_diff(None, created)["before"] == {}


# --- "role not yet assumable" retry: any 400 but the permanent refusals ------------------------------------


@pytest.mark.parametrize(
    "status, message, expected",
    [
        (400, "Invalid AWS role ARN or the role cannot be assumed by Microsoft Sentinel: AccessDenied", True),
        (400, "Unable to assume role arn:aws:iam::1:role/x", True),
        # Wording the collection has never seen: still retried (the real text is not public).
        (400, "The AWS credentials could not be validated for arn:aws:iam::1:role/x", True),
        (400, "Failed to parse input. Error='Required property 'dataTypes' not found in JSON.'", False),
        (
            400,
            "Data connector validation failed: there cannot be two connectors with different names and the same kind and context id",
            False,
        ),
        (400, "Workspace 'law' is not onboarded to Microsoft Sentinel. Please onboard ...", False),
        (400, "The subscription 's' is not registered to 'Microsoft.SecurityInsights'.", False),
        (403, "the role cannot be assumed", False),
        (409, "etag mismatch", False),
        (None, None, False),
    ],
)
def test_put_refusals_retried_unless_waiting_cannot_change_them(status, message, expected):
    assert sentinel.is_retryable_put_refusal(status, message) is expected


class FakeClock:
    def __init__(self):
        self.now = 100.0
        self.sleeps = []

    def sleep(self, seconds):
        self.sleeps.append(seconds)
        self.now += seconds

    def __call__(self):
        return self.now


class NotYet(Exception):
    pass


def test_retry_succeeds_after_backoff():
    clock, calls = FakeClock(), []

    def operation():
        calls.append(clock.now)
        if len(calls) < 4:
            raise NotYet()
        return "done"

    result = sentinel.retry_within(operation, lambda e: isinstance(e, NotYet), 60, sleep=clock.sleep, clock=clock)
    assert result == "done" and clock.sleeps == [2.0, 4.0, 8.0]


def test_retry_stops_at_the_budget_with_last_error():
    clock = FakeClock()

    def operation():
        raise NotYet("still refused")

    with pytest.raises(RetryBudgetSpent) as spent:
        sentinel.retry_within(operation, lambda e: isinstance(e, NotYet), 20, sleep=clock.sleep, clock=clock)
    assert sum(clock.sleeps) == pytest.approx(20) and clock.sleeps == [2.0, 4.0, 8.0, 6.0]
    assert spent.value.attempts == 5 and str(spent.value.last_error) == "still refused"


def test_retry_caps_delay_and_passes_other_errors_through():
    clock = FakeClock()
    calls = []

    def operation():
        calls.append(1)
        raise NotYet()

    with pytest.raises(RetryBudgetSpent):
        sentinel.retry_within(operation, lambda e: True, 100, max_delay=15, sleep=clock.sleep, clock=clock)
    assert max(clock.sleeps) == 15
    with pytest.raises(KeyError):
        sentinel.retry_within(lambda: {}["x"], lambda e: isinstance(e, NotYet), 60, sleep=clock.sleep, clock=clock)


def never_ready():
    raise NotYet()


def test_zero_budget_tries_once():
    clock = FakeClock()
    with pytest.raises(RetryBudgetSpent) as spent:
        sentinel.retry_within(never_ready, lambda e: True, 0, sleep=clock.sleep, clock=clock)
    assert spent.value.attempts == 1 and clock.sleeps == []


# --- the S3 connector (AmazonWebServicesS3) -------------------------------------------------------------

S3_KIND = sentinel.S3_KIND
S3_ARN = "arn:aws:iam::123456789012:role/OIDC_MicrosoftSentinelS3Role"
QUEUE = "https://sqs.us-east-1.amazonaws.com/123456789012/sentinel-aws-cloudtrail"
OTHER_QUEUE = "https://sqs.us-east-1.amazonaws.com/123456789012/sentinel-aws-cloudtrail-2"


def s3(name, arn=S3_ARN, table="AWSCloudTrail", urls=(QUEUE,), logs=True):
    return dict(
        id=f"{WS_ID}/x/{name}",
        name=name,
        kind=S3_KIND,
        etag='"e1"',
        aws_role_arn=arn,
        sqs_urls=list(urls),
        destination_table=table,
        logs_enabled=logs,
    )


def test_s3_kind_is_supported_and_reads_govcloud_but_not_china():
    assert sentinel.check_kind(S3_KIND) == S3_KIND
    gov = "arn:aws-us-gov:iam::123456789012:role/OIDC_x"
    assert sentinel.check_connector_role_arn(S3_KIND, gov) == gov
    with pytest.raises(InvalidInput, match="aws_role_arn is in partition 'aws-cn'.*'aws-us-gov'"):
        sentinel.check_connector_role_arn(S3_KIND, "arn:aws-cn:iam::123456789012:role/OIDC_x")


@pytest.mark.parametrize(
    "urls",
    [
        [QUEUE],
        ["https://sqs.us-gov-west-1.amazonaws.com/123456789012/q.fifo"],
        ["https://us-west-2.queue.amazonaws.com/123456789012/legacy_endpoint"],
        ["http://127.0.0.1:5000/123456789012/sandbox-queue"],  # a local endpoint names its own host
        [QUEUE, OTHER_QUEUE],
    ],
)
def test_sqs_urls_accepted(urls):
    assert sentinel.check_sqs_urls(urls) == urls


@pytest.mark.parametrize(
    "urls, message",
    [
        (None, "sqs_urls must list at least one SQS queue URL"),
        ([], "sqs_urls must list at least one SQS queue URL"),
        (["arn:aws:sqs:us-east-1:123456789012:q"], "sqs_urls items must be SQS queue URLs"),
        (["https://sqs.us-east-1.amazonaws.com/12345/q"], "sqs_urls items must be SQS queue URLs"),
        (["https://sqs.us-east-1.amazonaws.com/123456789012/bad name"], "sqs_urls items must be SQS queue URLs"),
        ([QUEUE, QUEUE], "sqs_urls lists a queue URL more than once"),
    ],
)
def test_sqs_urls_refused_naming_the_option(urls, message):
    with pytest.raises(InvalidInput, match=message):
        sentinel.check_sqs_urls(urls)


def test_destination_table_and_kind_options():
    assert sentinel.check_destination_table("AWSVPCFlow") == "AWSVPCFlow"
    with pytest.raises(InvalidInput, match="destination_table must be one of AWSCloudTrail, AWSVPCFlow"):
        sentinel.check_destination_table("AWSWAF")
    sentinel.check_kind_options(S3_KIND, dict(sqs_urls=[QUEUE], destination_table="AWSCloudTrail"))
    sentinel.check_kind_options(CLOUDTRAIL_KIND, dict(sqs_urls=None, destination_table=None))
    with pytest.raises(InvalidInput, match="sqs_urls and destination_table apply only to kind AmazonWebServicesS3"):
        sentinel.check_kind_options(CLOUDTRAIL_KIND, dict(sqs_urls=[QUEUE], destination_table="AWSCloudTrail"))


def test_s3_derived_id_covers_kind_role_and_table_and_leaves_cloudtrail_ids_alone():
    derived = sentinel.derive_connector_id(S3_KIND, S3_ARN, "AWSCloudTrail")
    assert derived == str(uuid.uuid5(sentinel.CONNECTOR_ID_NAMESPACE, f"{S3_KIND}:{S3_ARN.lower()}:AWSCloudTrail"))
    assert derived == sentinel.derive_connector_id(
        S3_KIND, S3_ARN.upper().replace("ARN:AWS:IAM", "arn:aws:iam"), "AWSCloudTrail"
    )
    assert derived != sentinel.derive_connector_id(S3_KIND, S3_ARN, "AWSVPCFlow")
    assert derived != sentinel.derive_connector_id(CLOUDTRAIL_KIND, S3_ARN)
    assert sentinel.derive_connector_id(CLOUDTRAIL_KIND, ARN, "AWSCloudTrail") == "80b6aca1-fcd6-5dce-ad92-010c7f865ecb"


def test_s3_request_properties_are_the_specs_four():
    desired = sentinel.desired_connector(S3_KIND, S3_ARN, False, [QUEUE, OTHER_QUEUE], "AWSGuardDuty")
    assert sentinel.s3_properties(desired) == {
        "roleArn": S3_ARN,
        "sqsUrls": [QUEUE, OTHER_QUEUE],
        "destinationTable": "AWSGuardDuty",
        "dataTypes": {"logs": {"state": "Disabled"}},
    }
    # The CloudTrail shape stays what it was (the role's plan filter compares it).
    assert sentinel.desired_connector(CLOUDTRAIL_KIND, ARN, True) == dict(
        kind=CLOUDTRAIL_KIND, aws_role_arn=ARN, logs_enabled=True
    )


def test_s3_summary_from_the_raw_body_the_sdk_cannot_model():
    raw = {
        "id": "/x",
        "name": "n",
        "etag": "e",
        "kind": S3_KIND,
        "properties": {
            "roleArn": S3_ARN,
            "sqsUrls": [QUEUE],
            "destinationTable": "AWSVPCFlow",
            "dataTypes": {"logs": {"state": "enabled"}},
        },
    }
    expected = dict(
        id="/x",
        name="n",
        kind=S3_KIND,
        etag="e",
        aws_role_arn=S3_ARN,
        sqs_urls=[QUEUE],
        destination_table="AWSVPCFlow",
        logs_enabled=True,
    )
    # As securityinsight 1.0.0's model reads it (base class, kind lost) with the raw item, and as the raw body alone.
    assert sentinel.connector_summary(dict(id="/x", name="n", etag="e", kind="DataConnector"), raw) == expected
    assert sentinel.connector_summary(raw, raw) == expected


def test_s3_matching_is_by_kind_role_and_table():
    trail, vpc = s3("trail"), s3("vpc", table="AWSVPCFlow")
    legacy = cloudtrail("legacy", arn=S3_ARN)  # the same ARN on the other kind is never mistaken for it
    connectors = [legacy, trail, vpc]
    assert sentinel.find_connector(connectors, S3_KIND, S3_ARN.lower(), None, "AWSVPCFlow") == (vpc, "vpc")
    current, target = sentinel.find_connector(connectors, S3_KIND, S3_ARN, None, "AWSGuardDuty")
    assert current is None and target == sentinel.derive_connector_id(S3_KIND, S3_ARN, "AWSGuardDuty")
    assert sentinel.find_connector(connectors, CLOUDTRAIL_KIND, S3_ARN, None) == (legacy, "legacy")
    with pytest.raises(InvalidInput, match=r"already connects role .* \(table AWSCloudTrail\).*same role and table"):
        sentinel.find_connector(connectors, S3_KIND, S3_ARN, "a1b2c3d4-0000-4000-8000-000000000009", "AWSCloudTrail")


def test_removal_is_of_the_kind_asked_for_only():
    trail, vpc = s3("11111111-0000-4000-8000-000000000001"), s3("vpc", table="AWSVPCFlow")
    legacy = cloudtrail("22222222-0000-4000-8000-000000000002", arn=S3_ARN)
    connectors = [legacy, trail, vpc]
    assert sentinel.select_for_removal(connectors, S3_KIND, S3_ARN, None, "AWSVPCFlow") is vpc
    assert sentinel.select_for_removal(connectors, S3_KIND, None, trail["name"]) is trail
    assert sentinel.select_for_removal(connectors, CLOUDTRAIL_KIND, S3_ARN, None) is legacy
    # An S3 connector's ID given to a CloudTrail removal (and the reverse) removes nothing.
    assert sentinel.select_for_removal(connectors, CLOUDTRAIL_KIND, None, trail["name"]) is None
    assert sentinel.select_for_removal(connectors, S3_KIND, None, legacy["name"]) is None


def test_s3_comparison_takes_queues_as_a_set_and_the_table():
    desired = sentinel.desired_connector(S3_KIND, S3_ARN, True, [OTHER_QUEUE, QUEUE], "AWSCloudTrail")
    assert not sentinel.connector_differs(s3("a", urls=[QUEUE, OTHER_QUEUE]), desired)
    assert sentinel.connector_differs(s3("a", urls=[QUEUE]), desired)
    assert sentinel.connector_differs(s3("a", urls=[QUEUE, OTHER_QUEUE], table="AWSVPCFlow"), desired)
    assert sentinel.connector_differs(s3("a", urls=[QUEUE, OTHER_QUEUE], logs=False), desired)
    diff = sentinel.connector_diff(s3("a", urls=[QUEUE]), sentinel.planned_connector(s3("a"), desired, "a", WS_ID))
    assert diff["before"]["sqs_urls"] == [QUEUE] and diff["after"]["sqs_urls"] == [OTHER_QUEUE, QUEUE]
    assert diff["after"]["destination_table"] == "AWSCloudTrail" and "etag" not in diff["after"]


def test_s3_duplicate_refusal_names_tables_and_the_kind_to_remove_with():
    ours, other = s3("ours"), s3("old", arn=S3_ARN + "Old")
    message = sentinel.duplicate_refusal_message([ours, other], S3_KIND, "ours", "law-sentinel", "refused")
    assert f"old (role {S3_ARN}Old, table AWSCloudTrail)" in message
    assert f"state=absent kind={S3_KIND} connector_id=<its name>" in message


def test_filter_connectors_finds_s3_connectors_by_role():
    items = [cloudtrail("a"), s3("b"), dict(name="c", kind="Office365")]
    assert [c["name"] for c in sentinel.filter_connectors(items, role_arn=S3_ARN.upper())] == ["b"]
