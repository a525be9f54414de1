"""The trail composition of docs/s3-trail.md, its YAML run as written, through ansible-playbook against moto.

amazon.aws.cloudtrail (the same code in amazon.aws 8.2.1, 9.5.2 and 10.1.2) makes the multi-region
trail; sentinel.aws's bucket and key modules put CloudTrail's statements in the shared policies first.
"""

from __future__ import annotations

import json
import re
from pathlib import Path
from typing import Any

import yaml
from helpers.ansible_run import REPO, PlaybookRun, run_playbook
from sandbox import Sandbox

DOC = REPO / "docs" / "s3-trail.md"
BUCKET = "sentinel-trail-logs"
TRAIL = "sentinel"
ROLE = "arn:aws:iam::123456789012:role/OIDC_MicrosoftSentinelS3Role"
TRAIL_ARN = f"arn:aws:cloudtrail:us-east-1:123456789012:trail/{TRAIL}"
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
    """The bucket, with a statement of someone else's, and a customer managed key; the key's ARN."""
    s3 = sandbox.aws.client("s3")
    s3.create_bucket(Bucket=BUCKET)
    s3.put_bucket_policy(Bucket=BUCKET, Policy=json.dumps({"Version": "2012-10-17", "Statement": [THEIRS]}))
    key_arn = sandbox.aws.client("kms").create_key()["KeyMetadata"]["Arn"]
    sandbox.aws.reset()
    return key_arn


def bucket_statements(sandbox: Sandbox) -> list:
    return json.loads(sandbox.aws.client("s3").get_bucket_policy(Bucket=BUCKET)["Policy"])["Statement"]


def key_statements(sandbox: Sandbox, key_arn: str) -> list:
    text = sandbox.aws.client("kms").get_key_policy(KeyId=key_arn, PolicyName="default")["Policy"]
    return json.loads(text)["Statement"]


def trails(sandbox: Sandbox) -> list:
    return sandbox.aws.client("cloudtrail").describe_trails()["trailList"]


def test_onboarding_makes_a_multi_region_trail_reruns_without_writes_and_offboards(
    clean_sandbox: Sandbox, tmp_path: Path
):
    sandbox = clean_sandbox
    key_arn = prepare(sandbox)
    onboard, offboard = doc_tasks()

    first = run(sandbox, tmp_path, onboard, trail_kms_key_id=key_arn)
    assert first.returncode == 0 and first.stat("failed") == 0, first.output
    [trail] = trails(sandbox)
    assert (trail["TrailARN"], trail["S3BucketName"], trail["KmsKeyId"]) == (TRAIL_ARN, BUCKET, key_arn)
    assert trail["IsMultiRegionTrail"] and trail["LogFileValidationEnabled"]
    cloudtrail = sandbox.aws.client("cloudtrail")
    assert cloudtrail.get_trail_status(Name=TRAIL)["IsLogging"]
    tags = cloudtrail.list_tags(ResourceIdList=[TRAIL_ARN])["ResourceTagList"][0]["TagsList"]
    assert {"Key": "sentinel.aws:managed", "Value": "true"} in tags
    # The bucket policy: theirs first, then the role's two statements and CloudTrail's two.
    statements = bucket_statements(sandbox)
    assert statements[0] == THEIRS and len(statements) == 5
    assert {s["Condition"]["StringEquals"]["aws:SourceArn"] for s in statements[3:]} == {TRAIL_ARN}
    assert [s["Action"] for s in key_statements(sandbox, key_arn)[1:]] == [
        "kms:Decrypt",
        "kms:GenerateDataKey*",
        "kms:DescribeKey",
    ]
    writes = [r["action"] for r in sandbox.aws.write_requests()]
    assert writes == ["PUT /" + BUCKET, "PutKeyPolicy", "CreateTrail", "StartLogging"], writes

    sandbox.aws.reset()
    again = run(sandbox, tmp_path, onboard, trail_kms_key_id=key_arn)
    assert again.returncode == 0 and again.stat("changed") == 0, again.output
    assert sandbox.aws.write_requests() == []
    # amazon.aws.cloudtrail's converged run: three reads.
    assert sandbox.aws.actions("cloudtrail") == ["DescribeTrails", "GetTrailStatus", "ListTags"] * 2

    gone = run(sandbox, tmp_path, offboard, trail_kms_key_id=key_arn)
    assert gone.returncode == 0 and gone.stat("failed") == 0, gone.output
    assert trails(sandbox) == [], gone.output
    statements = bucket_statements(sandbox)
    assert statements[0] == THEIRS and [s["Action"] for s in statements[1:]] == ["s3:GetObject", "s3:ListBucket"]
    assert [s["Action"] for s in key_statements(sandbox, key_arn)[1:]] == ["kms:Decrypt"]


def test_check_mode_writes_nothing(clean_sandbox: Sandbox, tmp_path: Path):
    sandbox = clean_sandbox
    prepare(sandbox)
    onboard, _offboard = doc_tasks()
    checked = run(sandbox, tmp_path, onboard, check=True)
    assert checked.returncode == 0 and checked.stat("failed") == 0 and checked.stat("changed") == 2, checked.output
    assert sandbox.aws.write_requests() == []
    assert trails(sandbox) == [] and bucket_statements(sandbox) == [THEIRS]


def test_a_trail_of_that_name_made_by_someone_else_is_refused_and_kept(clean_sandbox: Sandbox, tmp_path: Path):
    sandbox = clean_sandbox
    prepare(sandbox)
    sandbox.aws.client("cloudtrail").create_trail(Name=TRAIL, S3BucketName=BUCKET)
    sandbox.aws.reset()
    onboard, offboard = doc_tasks()

    refused = run(sandbox, tmp_path, onboard)
    assert refused.returncode != 0 and refused.stat("failed") == 1, refused.output
    assert any("without the tag sentinel.aws:managed=true" in m for m in refused.failure_messages()), refused.output
    assert sandbox.aws.write_requests() == []

    kept = run(sandbox, tmp_path, offboard)
    assert kept.returncode == 0 and kept.stat("failed") == 0, kept.output
    assert [t["Name"] for t in trails(sandbox)] == [TRAIL]
    assert "DeleteTrail" not in [r["action"] for r in sandbox.aws.write_requests()]
