"""sentinel.aws.s3_trail, and the trail composition of docs/s3-trail.md (its YAML run as written), through
ansible-playbook against moto's CloudTrail, KMS and Organizations in the sandbox.

Writes are counted from the sandbox's request log; the trail is read back from moto after each run.
"""

from __future__ import annotations

import json
import re
from pathlib import Path
from typing import Any

import yaml
from helpers.ansible_run import REPO, PlaybookRun, run_module, run_module_cases, run_playbook
from sandbox import Sandbox

DOC = REPO / "docs" / "s3-trail.md"
BUCKET = "sentinel-trail-logs"
TRAIL = "sentinel"
KEY_ALIAS = "alias/sentinel-trail"
ROLE = "arn:aws:iam::123456789012:role/OIDC_MicrosoftSentinelS3Role"
TRAIL_ARN = f"arn:aws:cloudtrail:us-east-1:123456789012:trail/{TRAIL}"
MARKER = {"Key": "sentinel.aws:managed", "Value": "true"}
THEIRS = {
    "Sid": "TheirAudit",
    "Effect": "Allow",
    "Principal": {"AWS": "arn:aws:iam::111111111111:root"},
    "Action": "s3:GetObject",
    "Resource": f"arn:aws:s3:::{BUCKET}/audit/*",
}


def doc_tasks() -> tuple[list, list]:
    """The onboarding and offboarding task lists: the page's two YAML blocks."""
    onboard, offboard = (yaml.safe_load(block) for block in re.findall(r"```yaml\n(.*?)```", DOC.read_text(), re.S))
    return onboard, offboard


def run(sandbox: Sandbox, tmp_path: Path, tasks: list, check: bool = False, **extra: Any) -> PlaybookRun:
    playbook = tmp_path / "trail.yml"
    playbook.write_text(json.dumps([{"hosts": "localhost", "gather_facts": False, "tasks": tasks}]))
    variables = {"trail_name": TRAIL, "trail_region": "us-east-1", "trail_bucket": BUCKET, "sentinel_role_arn": ROLE}
    variables.update(extra)
    return run_playbook(playbook, extra_vars=variables, env=sandbox.env, check=check)


def prepare(sandbox: Sandbox) -> str:
    """The bucket, with a statement of someone else's, and a customer managed key with an alias; the key's ARN."""
    s3 = sandbox.aws.client("s3")
    s3.create_bucket(Bucket=BUCKET)
    s3.put_bucket_policy(Bucket=BUCKET, Policy=json.dumps({"Version": "2012-10-17", "Statement": [THEIRS]}))
    kms = sandbox.aws.client("kms")
    key_arn = kms.create_key()["KeyMetadata"]["Arn"]
    kms.create_alias(AliasName=KEY_ALIAS, TargetKeyId=key_arn)
    sandbox.aws.reset()
    return key_arn


def bucket_statements(sandbox: Sandbox) -> list:
    return json.loads(sandbox.aws.client("s3").get_bucket_policy(Bucket=BUCKET)["Policy"])["Statement"]


def key_statements(sandbox: Sandbox, key_arn: str) -> list:
    text = sandbox.aws.client("kms").get_key_policy(KeyId=key_arn, PolicyName="default")["Policy"]
    return json.loads(text)["Statement"]


def trails(sandbox: Sandbox) -> list:
    return sandbox.aws.client("cloudtrail").describe_trails()["trailList"]


def is_logging(sandbox: Sandbox) -> bool:
    return sandbox.aws.client("cloudtrail").get_trail_status(Name=TRAIL)["IsLogging"]


def writes(sandbox: Sandbox) -> list[str]:
    return [r["action"] for r in sandbox.aws.write_requests()]


def args(**overrides: Any) -> dict[str, Any]:
    values: dict[str, Any] = {"name": TRAIL, "bucket": BUCKET}
    values.update(overrides)
    return values


def test_onboarding_makes_a_multi_region_trail_reruns_without_writes_and_offboards(
    clean_sandbox: Sandbox, tmp_path: Path
):
    sandbox = clean_sandbox
    key_arn = prepare(sandbox)
    onboard, offboard = doc_tasks()

    # The key by its alias: s3_trail writes and compares the key's ARN.
    first = run(sandbox, tmp_path, onboard, trail_kms_key_id=KEY_ALIAS)
    assert first.returncode == 0 and first.stat("failed") == 0, first.output
    [trail] = trails(sandbox)
    assert (trail["TrailARN"], trail["S3BucketName"], trail["KmsKeyId"]) == (TRAIL_ARN, BUCKET, key_arn)
    assert trail["IsMultiRegionTrail"] and trail["LogFileValidationEnabled"] and not trail["IsOrganizationTrail"]
    assert is_logging(sandbox)
    tags = sandbox.aws.client("cloudtrail").list_tags(ResourceIdList=[TRAIL_ARN])["ResourceTagList"][0]["TagsList"]
    assert tags == [MARKER]
    # The bucket policy: theirs first, then the role's two statements and CloudTrail's two for this trail.
    statements = bucket_statements(sandbox)
    assert statements[0] == THEIRS and len(statements) == 5
    assert {s["Condition"]["StringEquals"]["aws:SourceArn"] for s in statements[3:]} == {TRAIL_ARN}
    assert [s["Action"] for s in key_statements(sandbox, key_arn)[1:]] == [
        "kms:Decrypt",
        "kms:GenerateDataKey*",
        "kms:DescribeKey",
    ]
    # The planning task in check mode wrote nothing: the policies came before the trail.
    assert writes(sandbox) == ["PUT /" + BUCKET, "PutKeyPolicy", "CreateTrail", "StartLogging"]

    sandbox.aws.reset()
    again = run(sandbox, tmp_path, onboard, trail_kms_key_id=KEY_ALIAS)
    assert again.returncode == 0 and again.stat("changed") == 0, again.output
    assert sandbox.aws.write_requests() == []
    # s3_trail's converged run, twice (the planning task, then the trail): three reads each.
    assert sandbox.aws.actions("cloudtrail") == ["DescribeTrails", "GetTrailStatus", "ListTags"] * 2

    gone = run(sandbox, tmp_path, offboard, trail_kms_key_id=KEY_ALIAS)
    assert gone.returncode == 0 and gone.stat("failed") == 0, gone.output
    assert trails(sandbox) == [], gone.output
    statements = bucket_statements(sandbox)
    assert statements[0] == THEIRS and [s["Action"] for s in statements[1:]] == ["s3:GetObject", "s3:ListBucket"]
    assert [s["Action"] for s in key_statements(sandbox, key_arn)[1:]] == ["kms:Decrypt"]


def test_check_mode_writes_nothing_and_shows_the_arn_to_be(clean_sandbox: Sandbox, tmp_path: Path):
    sandbox = clean_sandbox
    prepare(sandbox)
    onboard, _offboard = doc_tasks()
    checked = run(sandbox, tmp_path, onboard, check=True)
    # The bucket access and the trail would change; the planning task never reports a change.
    assert checked.returncode == 0 and checked.stat("failed") == 0 and checked.stat("changed") == 2, checked.output
    assert sandbox.aws.write_requests() == []
    assert trails(sandbox) == [] and bucket_statements(sandbox) == [THEIRS]

    # GovCloud: the ARN to be is built for the partition.
    gov = run_module("s3_trail", args(region="us-gov-west-1", aws_partition="aws-us-gov"), env=sandbox.env, check=True)
    assert gov.changed and not gov.failed, gov.output
    assert gov.result["trail"]["arn"] == f"arn:aws-us-gov:cloudtrail:us-gov-west-1:123456789012:trail/{TRAIL}"
    assert gov.result["ownership"] == "created" and sandbox.aws.write_requests() == []


def test_drift_is_repaired_and_shown_in_the_diff(clean_sandbox: Sandbox):
    sandbox = clean_sandbox
    prepare(sandbox)
    made = run_module("s3_trail", args(tags={"team": "soc"}), env=sandbox.env)
    assert made.changed and made.result["ownership"] == "created", made.output
    cloudtrail = sandbox.aws.client("cloudtrail")
    cloudtrail.stop_logging(Name=TRAIL)
    cloudtrail.update_trail(Name=TRAIL, IsMultiRegionTrail=False)
    sandbox.aws.reset()

    checked = run_module("s3_trail", args(tags={"team": "soc"}), env=sandbox.env, check=True, diff=True)
    assert checked.changed and sandbox.aws.write_requests() == [], checked.output
    repaired = run_module("s3_trail", args(tags={"team": "soc"}), env=sandbox.env, diff=True)
    assert repaired.changed and not repaired.failed, repaired.output
    assert writes(sandbox) == ["UpdateTrail", "StartLogging"]
    [trail] = trails(sandbox)
    assert trail["IsMultiRegionTrail"] and is_logging(sandbox)
    for result in (checked.result, repaired.result):
        before, after = result["diff"]["before"], result["diff"]["after"]
        assert (before["multi_region"], before["logging"]) == (False, False)
        assert (after["multi_region"], after["logging"]) == (True, True)
        assert after["tags"] == {"sentinel.aws:managed": "true", "team": "soc"}
    shown = repaired.result["trail"]
    assert (shown["arn"], shown["home_region"], shown["bucket"], shown["prefix"], shown["kms_key_arn"]) == (
        TRAIL_ARN,
        "us-east-1",
        BUCKET,
        None,
        None,
    )

    sandbox.aws.reset()
    again = run_module("s3_trail", args(tags={"team": "soc"}), env=sandbox.env, diff=True)
    assert not again.changed and sandbox.aws.write_requests() == [], again.output
    assert again.result["diff"]["before"] == again.result["diff"]["after"]


def test_organisation_trail_needs_an_organisation_then_is_made_and_converges(clean_sandbox: Sandbox):
    sandbox = clean_sandbox
    prepare(sandbox)
    refused = run_module("s3_trail", args(organization_trail=True), env=sandbox.env)
    assert (
        refused.failed and "(organization_trail: the account is not in an AWS Organizations" in refused.msg
    ), refused.output
    assert "OrganizationsNotInUseException" in refused.msg and trails(sandbox) == []

    organizations = sandbox.aws.client("organizations")
    organizations.create_organization(FeatureSet="ALL")
    organizations.enable_aws_service_access(ServicePrincipal="cloudtrail.amazonaws.com")
    sandbox.aws.reset()
    made = run_module("s3_trail", args(organization_trail=True), env=sandbox.env)
    assert made.changed and made.result["trail"]["organization_trail"], made.output
    [trail] = trails(sandbox)
    assert trail["IsOrganizationTrail"] and trail["IsMultiRegionTrail"]

    sandbox.aws.reset()
    again = run_module("s3_trail", args(organization_trail=True), env=sandbox.env)
    assert not again.changed and sandbox.aws.write_requests() == [], again.output


def test_a_trail_of_that_name_made_by_someone_else_is_refused_and_kept(clean_sandbox: Sandbox, tmp_path: Path):
    sandbox = clean_sandbox
    prepare(sandbox)
    sandbox.aws.client("cloudtrail").create_trail(Name=TRAIL, S3BucketName=BUCKET)
    sandbox.aws.reset()
    onboard, offboard = doc_tasks()

    refused = run(sandbox, tmp_path, onboard)
    assert refused.returncode != 0 and refused.stat("failed") == 1, refused.output
    assert any(
        m.startswith("name: the trail sentinel exists and was not made by sentinel.aws")
        for m in refused.failure_messages()
    ), refused.output
    # The planning task failed first: not even the bucket policy was written.
    assert sandbox.aws.write_requests() == [] and bucket_statements(sandbox) == [THEIRS]

    kept = run(sandbox, tmp_path, offboard)
    assert kept.returncode == 0 and kept.stat("failed") == 0, kept.output
    assert "was not made by sentinel.aws" in kept.output
    assert [t["Name"] for t in trails(sandbox)] == [TRAIL]
    assert "DeleteTrail" not in writes(sandbox)


def test_bad_input_fails_naming_the_option_and_writes_nothing(clean_sandbox: Sandbox):
    sandbox = clean_sandbox
    prepare(sandbox)
    cases = [
        (args(name="-bad-"), "name must be a CloudTrail trail name"),
        (args(bucket=None), "bucket is required when state=present"),
        (args(bucket="Not_A_Bucket"), "bucket must be an S3 bucket name"),
        (args(kms_key_id="my-key"), "kms_key_id must be a KMS key ID"),
        (args(kms_key_id="alias/missing"), "Failed to describe KMS key alias/missing (kms_key_id)"),
        (args(s3_key_prefix="p" * 201), "s3_key_prefix must be at most 200 characters"),
        (args(aws_account_id="111111111111"), "aws_account_id: the credentials act on AWS account 123456789012"),
        (args(aws_partition="aws-us-gov"), "aws_partition is 'aws-us-gov' but region 'us-east-1'"),
        (args(tags={"sentinel.aws:managed": "no"}), "tags: sentinel.aws:managed=true is the marker"),
        (args(multi_region="sometimes"), "multi_region"),
    ]
    results = run_module_cases("s3_trail", [case for case, _message in cases], env=sandbox.env)
    for (case, message), result in zip(cases, results, strict=True):
        assert result.get("failed") and message in result["msg"], (case, result)
    assert sandbox.aws.write_requests() == [] and trails(sandbox) == []
