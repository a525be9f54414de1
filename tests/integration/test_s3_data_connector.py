"""sentinel.aws.data_connector with kind AmazonWebServicesS3 against the sandbox, each behaviour checked on the
emulator's state and request log; every ARM request these tests make is checked against Microsoft's spec."""

from __future__ import annotations

import copy
import uuid

import pytest
from helpers.ansible_run import run_module, run_module_cases
from helpers.sandbox_state import ROLE_ARN, arm_put, make_role, portal_put, s3_body
from sandbox import spec_check

S3 = "AmazonWebServicesS3"
S3_ROLE_ARN = "arn:aws:iam::123456789012:role/OIDC_MicrosoftSentinelS3Role"
QUEUE = "https://sqs.us-east-1.amazonaws.com/123456789012/sentinel-aws-cloudtrail"
SECOND_QUEUE = "https://sqs.us-east-1.amazonaws.com/123456789012/sentinel-aws-cloudtrail-2"
PREVIEW = "2025-07-01-preview"

# Every ARM request the tests of this file made: {test, method, path, api_version, body}.
RECORDED: list[dict] = []


def args(sandbox, **extra):
    base = dict(
        workspace_name=sandbox.workspace["name"],
        resource_group=sandbox.seed["resource_group"],
        kind=S3,
        aws_role_arn=S3_ROLE_ARN,
        sqs_urls=[QUEUE],
        destination_table="AWSCloudTrail",
    )
    base.update(extra)
    return {key: value for key, value in base.items() if value is not None}


def arm_requests(sandbox):
    return [r for r in sandbox.azure.requests if r["path"].lower().startswith("/subscriptions/")]


def connector_writes(sandbox):
    return [(r["method"], r["api_version"]) for r in sandbox.azure.write_requests()]


@pytest.fixture
def sb(clean_sandbox, request):
    yield clean_sandbox
    # Kept for test_every_azure_request_follows_the_spec.
    RECORDED.extend(dict(r, test=request.node.name) for r in arm_requests(clean_sandbox))


def test_create_writes_the_spec_body_at_the_preview_version_and_a_rerun_writes_nothing(sb):
    created = run_module("data_connector", args(sb), env=sb.env)
    assert created.changed and not created.failed, created.result
    [put] = sb.azure.write_requests()
    assert (put["method"], put["api_version"], put["status"]) == ("PUT", PREVIEW, 201)
    assert put["body"] == s3_body(S3_ROLE_ARN, [QUEUE])  # no etag on a create
    [stored] = sb.azure.connectors()
    assert stored["kind"] == S3 and stored["properties"] == s3_body(S3_ROLE_ARN, [QUEUE])["properties"]
    assert uuid.UUID(stored["name"]).version == 5  # derived from kind, role ARN and table
    connector = created.result["connector"]
    assert connector == dict(
        id=stored["id"],
        name=stored["name"],
        kind=S3,
        etag=stored["etag"],
        aws_role_arn=S3_ROLE_ARN,
        sqs_urls=[QUEUE],
        destination_table="AWSCloudTrail",
        logs_enabled=True,
    )

    before = len(sb.azure.requests)
    rerun = run_module("data_connector", args(sb), env=sb.env)
    assert not rerun.changed and not rerun.failed, rerun.result
    assert len(sb.azure.write_requests()) == 1  # the create only
    new = [r for r in sb.azure.requests[before:] if r["path"].lower().startswith("/subscriptions/")]
    assert [(r["method"], r["api_version"]) for r in new] == [("GET", "2021-10-01")]  # the list, once
    assert rerun.result["connector"] == connector


def test_queues_compare_as_a_set(sb):
    run_module("data_connector", args(sb, sqs_urls=[QUEUE, SECOND_QUEUE]), env=sb.env)
    reordered = run_module("data_connector", args(sb, sqs_urls=[SECOND_QUEUE, QUEUE]), env=sb.env)
    assert not reordered.changed and not reordered.failed, reordered.result
    assert connector_writes(sb) == [("PUT", PREVIEW)]


def test_update_of_the_queues_puts_with_the_etag_and_shows_the_diff(sb):
    run_module("data_connector", args(sb), env=sb.env)
    [before] = sb.azure.connectors()
    updated = run_module("data_connector", args(sb, sqs_urls=[QUEUE, SECOND_QUEUE]), env=sb.env, diff=True)
    assert updated.changed and not updated.failed, updated.result
    [after] = sb.azure.connectors()
    assert after["name"] == before["name"] and after["properties"]["sqsUrls"] == [QUEUE, SECOND_QUEUE]
    put = sb.azure.write_requests()[-1]
    assert (put["api_version"], put["status"], put["body"]["etag"]) == (PREVIEW, 200, before["etag"])
    assert updated.result["diff"]["before"]["sqs_urls"] == [QUEUE]
    assert updated.result["diff"]["after"]["sqs_urls"] == [QUEUE, SECOND_QUEUE]
    assert updated.result["connector"]["etag"] == after["etag"] != before["etag"]


def test_check_mode_writes_nothing_and_diff_shows_the_connector(sb):
    checked = run_module("data_connector", args(sb), env=sb.env, check=True, diff=True)
    assert checked.changed and not checked.failed, checked.result
    assert sb.azure.write_requests() == [] and sb.azure.connectors() == []
    assert checked.result["diff"]["before"] == {}
    assert checked.result["diff"]["after"] == dict(
        name=checked.result["connector"]["name"],
        kind=S3,
        aws_role_arn=S3_ROLE_ARN,
        logs_enabled=True,
        sqs_urls=[QUEUE],
        destination_table="AWSCloudTrail",
    )
    run_module("data_connector", args(sb), env=sb.env)
    writes = len(sb.azure.write_requests())
    checked_update = run_module("data_connector", args(sb, logs_enabled=False), env=sb.env, check=True, diff=True)
    assert checked_update.changed and len(sb.azure.write_requests()) == writes
    assert sb.azure.connectors()[0]["properties"]["dataTypes"]["logs"]["state"] == "Enabled"
    assert checked_update.result["diff"]["before"]["logs_enabled"] is True
    assert checked_update.result["diff"]["after"]["logs_enabled"] is False


def test_absent_removes_only_the_connector_of_its_table_at_the_preview_version(sb):
    run_module("data_connector", args(sb), env=sb.env)
    run_module("data_connector", args(sb, destination_table="AWSVPCFlow"), env=sb.env)
    assert len(sb.azure.connectors()) == 2  # one role, one connector per table
    checked = run_module("data_connector", args(sb, sqs_urls=None, state="absent"), env=sb.env, check=True)
    assert checked.changed and len(sb.azure.connectors()) == 2
    removed = run_module("data_connector", args(sb, sqs_urls=None, state="absent"), env=sb.env, diff=True)
    assert removed.changed and not removed.failed, removed.result
    assert [c["properties"]["destinationTable"] for c in sb.azure.connectors()] == ["AWSVPCFlow"]
    assert removed.result["diff"]["after"] == {} and removed.result["diff"]["before"]["sqs_urls"] == [QUEUE]
    assert connector_writes(sb)[-1] == ("DELETE", PREVIEW)
    again = run_module("data_connector", args(sb, sqs_urls=None, state="absent"), env=sb.env)
    assert not again.changed and not again.failed, again.result
    assert [m for m, _v in connector_writes(sb)].count("DELETE") == 1


def test_adopts_a_hand_made_s3_connector_under_another_id(sb):
    handmade = str(uuid.uuid4())
    portal_put(sb, handmade, s3_body(S3_ROLE_ARN.lower(), [SECOND_QUEUE], state="Disabled"), api_version=PREVIEW)
    adopted = run_module("data_connector", args(sb), env=sb.env, diff=True)
    assert adopted.changed and not adopted.failed, adopted.result
    [stored] = sb.azure.connectors()  # updated in place, no duplicate
    assert stored["name"] == handmade == adopted.result["connector"]["name"]
    assert (
        stored["properties"]["sqsUrls"] == [QUEUE] and stored["properties"]["dataTypes"]["logs"]["state"] == "Enabled"
    )
    assert adopted.result["diff"]["before"]["sqs_urls"] == [SECOND_QUEUE]
    # Naming another ID for the role and table is refused before any write (Sentinel would refuse it).
    writes = len(sb.azure.write_requests())
    refused = run_module("data_connector", args(sb, connector_id=str(uuid.uuid4())), env=sb.env)
    assert refused.failed and f"connector {handmade} already connects role" in refused.msg
    assert len(sb.azure.write_requests()) == writes


def test_bad_input_names_the_option_and_makes_no_azure_request(sb):
    cases = [
        (args(sb, sqs_urls=None), "sqs_urls must list at least one SQS queue URL"),
        (args(sb, sqs_urls=["arn:aws:sqs:us-east-1:123456789012:q"]), "sqs_urls items must be SQS queue URLs"),
        (args(sb, destination_table=None), "destination_table is required for kind AmazonWebServicesS3"),
        (args(sb, destination_table="AWSWAF"), "destination_table must be one of: AWSCloudTrail, AWSVPCFlow"),
        (args(sb, aws_role_arn="arn:aws-cn:iam::123456789012:role/OIDC_x"), "aws_role_arn is in partition 'aws-cn'"),
        (args(sb, kind="AmazonWebServicesCloudTrail"), "sqs_urls and destination_table apply only to kind"),
        (args(sb, sqs_urls=None, destination_table=None, state="absent"), "destination_table is required"),
        (args(sb, kind="Office365"), "value of kind must be one of: AmazonWebServicesCloudTrail, AmazonWebServicesS3"),
    ]
    results = run_module_cases("data_connector", [case for case, _message in cases], env=sb.env)
    for (case, message), result in zip(cases, results, strict=True):
        assert result.get("failed") and message in result["msg"], (case, result)
    assert arm_requests(sb) == []


def test_govcloud_role_is_connected(sb):
    gov_arn = "arn:aws-us-gov:iam::123456789012:role/OIDC_MicrosoftSentinelS3Role"
    gov_queue = "https://sqs.us-gov-west-1.amazonaws.com/123456789012/sentinel-aws-cloudtrail"
    created = run_module("data_connector", args(sb, aws_role_arn=gov_arn, sqs_urls=[gov_queue]), env=sb.env)
    assert created.changed and not created.failed, created.result
    assert sb.azure.connectors()[0]["properties"]["roleArn"] == gov_arn


def test_the_emulator_refuses_a_second_connector_of_one_role_and_table(sb):
    first = str(uuid.uuid4())
    portal_put(sb, first, s3_body(S3_ROLE_ARN, [QUEUE]), api_version=PREVIEW)
    duplicate = arm_put(sb, str(uuid.uuid4()), s3_body(S3_ROLE_ARN.upper(), [SECOND_QUEUE]), api_version=PREVIEW)
    assert duplicate.status_code == 400
    assert (
        "two connectors with different names and the same kind and context id" in duplicate.json()["error"]["message"]
    )
    other_table = arm_put(
        sb, str(uuid.uuid4()), s3_body(S3_ROLE_ARN, [SECOND_QUEUE], "AWSVPCFlow"), api_version=PREVIEW
    )
    assert other_table.status_code == 201
    assert len(sb.azure.connectors()) == 2


def test_s3_and_cloudtrail_connectors_of_one_role_are_never_mistaken_for_each_other(sb):
    make_role(sb)
    s3_id = str(uuid.uuid4())
    portal_put(sb, s3_id, s3_body(ROLE_ARN, [QUEUE]), api_version=PREVIEW)
    cloudtrail_args = args(sb, aws_role_arn=ROLE_ARN, kind=None, sqs_urls=None, destination_table=None)
    trail = run_module("data_connector", cloudtrail_args, env=sb.env)
    assert trail.changed and not trail.failed, trail.result
    assert (
        trail.result["connector"]["kind"] == "AmazonWebServicesCloudTrail"
        and trail.result["connector"]["name"] != s3_id
    )
    # A CloudTrail removal given the S3 connector's ID removes nothing.
    kept = run_module(
        "data_connector",
        dict(
            workspace_name=sb.workspace["name"],
            resource_group=sb.seed["resource_group"],
            connector_id=s3_id,
            state="absent",
        ),
        env=sb.env,
    )
    assert not kept.changed and not kept.failed, kept.result
    assert sorted(c["kind"] for c in sb.azure.connectors()) == ["AmazonWebServicesCloudTrail", S3]

    listed = run_module(
        "data_connector_info",
        dict(workspace_name=sb.workspace["name"], resource_group=sb.seed["resource_group"]),
        env=sb.env,
    )
    by_kind = {c["kind"]: c for c in listed.result["connectors"]}
    assert by_kind[S3] == dict(
        id=by_kind[S3]["id"],
        name=s3_id,
        kind=S3,
        etag=by_kind[S3]["etag"],
        aws_role_arn=ROLE_ARN,
        sqs_urls=[QUEUE],
        destination_table="AWSCloudTrail",
        logs_enabled=True,
    )
    assert "sqs_urls" not in by_kind["AmazonWebServicesCloudTrail"]


def test_throttling_and_an_expired_token_are_handled_by_the_pipeline_of_the_s3_requests(sb):
    sb.azure.add_fault(method="PUT", path_contains="dataConnectors", status=429, headers={"Retry-After": "1"})
    sb.azure.add_fault(method="PUT", path_contains="dataConnectors", status=401, code="ExpiredAuthenticationToken")
    created = run_module("data_connector", args(sb), env=sb.env)
    assert created.changed and not created.failed, created.result
    puts = [(r["status"], r["api_version"]) for r in sb.azure.write_requests()]
    assert puts == [(429, PREVIEW), (401, PREVIEW), (201, PREVIEW)]


def test_every_azure_request_follows_the_spec(sb):
    if not any(r["method"] == "PUT" for r in RECORDED):  # run alone: make the requests the other tests make
        run_module("data_connector", args(sb), env=sb.env)
        run_module("data_connector", args(sb, sqs_urls=[QUEUE, SECOND_QUEUE]), env=sb.env)
        run_module("data_connector", args(sb, state="absent"), env=sb.env)
        RECORDED.extend(arm_requests(sb))
    violations = [
        (r.get("test"), r["method"], r["path"], r["api_version"], why)
        for r in RECORDED
        if (why := spec_check.request_violation(r["method"], r["path"], r["api_version"], r.get("body")))
    ]
    assert violations == []
    seen = {(r["method"], r["api_version"]) for r in RECORDED}
    assert {("PUT", PREVIEW), ("DELETE", PREVIEW), ("GET", "2021-10-01")} <= seen
    # The check can fail: a body without sqsUrls breaks the spec, naming the property.
    put = next(r for r in RECORDED if r["method"] == "PUT" and r["api_version"] == PREVIEW)
    broken = copy.deepcopy(put["body"])
    del broken["properties"]["sqsUrls"]
    assert spec_check.request_violation("PUT", put["path"], PREVIEW, broken) == (
        "Required property 'sqsUrls' not found in JSON. Path 'properties'."
    )
    assert "no operation" in spec_check.request_violation("PUT", put["path"], "2024-09-01", put["body"])
