"""The sentinel.aws.s3 role through its playbooks and the real ansible-playbook, against the sandbox.

Every assertion reads the state back from moto or the Azure emulator, or their request logs. Few
runs, several assertions each: each playbook run costs seconds on a shared machine.
"""

from __future__ import annotations

import json
from pathlib import Path
from typing import Any

import pytest
from sandbox import Sandbox

from helpers.ansible_run import PlaybookRun, run_playbook
from helpers.onboarding import OFFBOARD_S3, ONBOARD_S3, REPORT_ENV, report_rows, s3_vars

pytestmark = pytest.mark.slow

BUCKET = "org-logs"
ROLE = "OIDC_MicrosoftSentinelS3Role"
TENANT = "33e01921-4d64-4f8c-a055-5bdaffd5e33d"
AUDIENCE = "api://1462b192-27f7-4cb9-8523-0f4ecb54b47e"
GOV_TENANT = "cab8a31a-1906-4287-a0d8-4eef66b95f6e"
GOV_AUDIENCE = "api://d4230588-5f84-4281-a9c7-2c15194b28f7"
# A stand-in for Defender for Cloud's client ID on the provider both use.
DEFENDER_CLIENT_ID = "api://defender-for-cloud-stand-in"
MARKER = {"Key": "sentinel.aws:managed", "Value": "true"}


def play(sb: Sandbox, playbook: Path, variables: dict[str, Any], **kwargs: Any) -> PlaybookRun:
    return run_playbook(playbook, extra_vars=variables, env={**sb.env, **REPORT_ENV}, **kwargs)


def assert_ok(run: PlaybookRun) -> None:
    assert run.returncode == 0, run.output


class Writes:
    """The write requests both clouds saw from the moment it was made."""

    def __init__(self, sb: Sandbox) -> None:
        self.sb, self.aws_from, self.azure_from = sb, len(sb.aws.requests), len(sb.azure.requests)

    def aws(self) -> list[dict[str, Any]]:
        new = self.sb.aws.requests[self.aws_from :]
        return [r for r in self.sb.aws.write_requests() if r in new]

    def azure(self) -> list[dict[str, Any]]:
        new = self.sb.azure.requests[self.azure_from :]
        return [r for r in self.sb.azure.write_requests() if r in new]


def loads(document: Any) -> dict[str, Any]:
    return json.loads(document) if isinstance(document, str) else document


def bucket_policy(sb: Sandbox, bucket: str = BUCKET) -> dict[str, Any]:
    return loads(sb.aws.client("s3").get_bucket_policy(Bucket=bucket)["Policy"])


def queue_configurations(sb: Sandbox, bucket: str = BUCKET) -> list[dict[str, Any]]:
    return sb.aws.client("s3").get_bucket_notification_configuration(Bucket=bucket).get("QueueConfigurations", [])


def queue(sb: Sandbox, name: str) -> tuple[str, dict[str, Any], dict[str, str]]:
    """The queue's URL, policy and tags."""
    sqs = sb.aws.client("sqs")
    url = sqs.get_queue_url(QueueName=name)["QueueUrl"]
    attributes = sqs.get_queue_attributes(QueueUrl=url, AttributeNames=["Policy"])["Attributes"]
    return url, loads(attributes.get("Policy", "{}")), sqs.list_queue_tags(QueueUrl=url).get("Tags", {})


def queue_names(sb: Sandbox) -> list[str]:
    return [url.rsplit("/", 1)[1] for url in sb.aws.client("sqs").list_queues().get("QueueUrls", [])]


def by_key(items: list[dict[str, Any]], key: str) -> dict[str, dict[str, Any]]:
    return {item[key]: item for item in items}


def trust(sb: Sandbox, name: str = ROLE) -> dict[str, Any]:
    [statement] = loads(sb.aws.client("iam").get_role(RoleName=name)["Role"]["AssumeRolePolicyDocument"])["Statement"]
    return statement


def providers(sb: Sandbox) -> dict[str, dict[str, Any]]:
    iam = sb.aws.client("iam")
    return {
        p["Arn"]: iam.get_open_id_connect_provider(OpenIDConnectProviderArn=p["Arn"])
        for p in iam.list_open_id_connect_providers()["OpenIDConnectProviderList"]
    }


def s3_connectors(sb: Sandbox) -> list[dict[str, Any]]:
    return [
        c for c in sb.azure.connectors(workspace=sb.env["SANDBOX_WORKSPACE_NAME"]) if c["kind"] == "AmazonWebServicesS3"
    ]


# Someone else's parts of the bucket: a statement and a notification the role must keep as they are.
def foreign_statement(account: str) -> dict[str, Any]:
    return {
        "Sid": "AuditorsRead",
        "Effect": "Allow",
        "Principal": {"AWS": f"arn:aws:iam::{account}:root"},
        "Action": "s3:GetObject",
        "Resource": f"arn:aws:s3:::{BUCKET}/audit/*",
    }


def shared_bucket(sb: Sandbox) -> tuple[dict[str, Any], dict[str, Any]]:
    """A bucket with another team's policy statement and notification, and Defender's OIDC provider."""
    account = sb.env["SANDBOX_AWS_ACCOUNT_ID"]
    s3, sqs = sb.aws.client("s3"), sb.aws.client("sqs")
    s3.create_bucket(Bucket=BUCKET)
    statement = foreign_statement(account)
    s3.put_bucket_policy(Bucket=BUCKET, Policy=json.dumps({"Version": "2012-10-17", "Statement": [statement]}))
    audit_url = sqs.create_queue(QueueName="audit-events")["QueueUrl"]
    audit_arn = sqs.get_queue_attributes(QueueUrl=audit_url, AttributeNames=["QueueArn"])["Attributes"]["QueueArn"]
    notification = {
        "Id": "audit-team",
        "QueueArn": audit_arn,
        "Events": ["s3:ObjectRemoved:*"],
        "Filter": {"Key": {"FilterRules": [{"Name": "prefix", "Value": "audit/"}]}},
    }
    s3.put_bucket_notification_configuration(
        Bucket=BUCKET, NotificationConfiguration={"QueueConfigurations": [notification]}
    )
    sb.aws.client("iam").create_open_id_connect_provider(
        Url=f"https://sts.windows.net/{TENANT}/",
        ClientIDList=[DEFENDER_CLIENT_ID],
        ThumbprintList=["626D44E704D1CEABE3BF0D53397464AC8080142C"],
    )
    return statement, queue_configurations(sb)[0]


def test_onboard_check_converge_and_offboard_keep_what_others_own(clean_sandbox: Sandbox) -> None:
    sb = clean_sandbox
    account, workspace_id = sb.env["SANDBOX_AWS_ACCOUNT_ID"], sb.env["SANDBOX_WORKSPACE_ID"]
    statement, notification = shared_bucket(sb)
    variables = s3_vars(sb, BUCKET)
    role_arn = f"arn:aws:iam::{account}:role/{ROLE}"
    provider_arn = f"arn:aws:iam::{account}:oidc-provider/sts.windows.net/{TENANT}/"

    # Check mode first: nothing is written on either cloud, and the report says what would happen.
    writes = Writes(sb)
    check = play(sb, ONBOARD_S3, variables, check=True, diff=True)
    assert_ok(check)
    assert writes.aws() == [] and writes.azure() == []
    assert [row["outcome"] for row in report_rows(check, "s3_report")] == ["would create"]
    assert s3_connectors(sb) == [] and queue_names(sb) == ["audit-events"]

    run = play(sb, ONBOARD_S3, variables)
    assert_ok(run)

    # The provider Defender for Cloud made: Sentinel's audience added, its client ID and thumbprint kept.
    provider = providers(sb)[provider_arn]
    assert sorted(provider["ClientIDList"]) == sorted([DEFENDER_CLIENT_ID, AUDIENCE])
    assert provider["ThumbprintList"] == ["626D44E704D1CEABE3BF0D53397464AC8080142C"]
    # The role: Microsoft's web-identity trust, on this workspace's session name.
    assert trust(sb) == {
        "Effect": "Allow",
        "Principal": {"Federated": provider_arn},
        "Action": "sts:AssumeRoleWithWebIdentity",
        "Condition": {
            "StringEquals": {
                f"sts.windows.net/{TENANT}/:aud": AUDIENCE,
                "sts:RoleSessionName": f"MicrosoftSentinel_{workspace_id}",
            }
        },
    }
    # The bucket policy: the other team's statement first and unchanged, then the role's read access.
    statements = bucket_policy(sb)["Statement"]
    assert statements[0] == statement
    ours = statements[1:]
    assert ours and all(s["Sid"].startswith("SentinelAws") for s in ours)
    assert any(s["Principal"] == {"AWS": role_arn} and "s3:GetObject" in json.dumps(s["Action"]) for s in ours)
    # The notifications: the other team's kept, the CloudTrail one to Sentinel's queue.
    url, policy, tags = queue(sb, "sentinel-aws-cloudtrail")
    assert tags.get(MARKER["Key"]) == MARKER["Value"]
    configurations = queue_configurations(sb)
    assert configurations[0] == notification
    [cloudtrail] = [c for c in configurations if c["Id"] == "sentinel-aws-cloudtrail"]
    assert cloudtrail["QueueArn"] == f"arn:aws:sqs:us-east-1:{account}:sentinel-aws-cloudtrail"
    rules = {r["Name"].lower(): r["Value"] for r in cloudtrail["Filter"]["Key"]["FilterRules"]}
    assert rules == {"prefix": f"AWSLogs/{account}/CloudTrail/", "suffix": ".gz"}
    # The queue policy: S3 may send from this bucket and account only; the role may read.
    text = json.dumps(policy)
    assert f"arn:aws:s3:::{BUCKET}" in text and '"aws:SourceAccount"' in text and role_arn in text
    # The Sentinel connector: the role, the queue, the table.
    [connector] = s3_connectors(sb)
    assert connector["properties"]["roleArn"] == role_arn
    assert connector["properties"]["sqsUrls"] == [url]
    assert connector["properties"]["destinationTable"] == "AWSCloudTrail"
    [row] = report_rows(run, "s3_report")
    assert row == {
        "host": "localhost",
        "account_id": account,
        "bucket": BUCKET,
        "log_types": "cloudtrail",
        "role_arn": role_arn,
        "connector_ids": connector["name"],
        "workspace": sb.env["SANDBOX_WORKSPACE_NAME"],
        "outcome": "created",
        "reason": "",
    }

    # Converged: no change, and no write call on either cloud; a tag set on the role by other means
    # stays (s3_purge_tags defaults to false, as the cloudtrail role's).
    sb.aws.client("iam").tag_role(RoleName=ROLE, Tags=[{"Key": "owner", "Value": "platform"}])
    writes = Writes(sb)
    again = play(sb, ONBOARD_S3, variables)
    assert_ok(again)
    assert again.stat("changed") == 0, again.output
    assert writes.aws() == [] and writes.azure() == []
    assert {"Key": "owner", "Value": "platform"} in sb.aws.client("iam").list_role_tags(RoleName=ROLE)["Tags"]
    assert report_rows(again, "s3_report") == [{**row, "outcome": "unchanged"}]

    off = play(sb, OFFBOARD_S3, variables)
    assert_ok(off)
    assert s3_connectors(sb) == []
    # Only what the collection made is gone: the other team's statement and notification, and the
    # provider with Defender's client ID, stay as they were.
    assert bucket_policy(sb)["Statement"] == [statement]
    assert queue_configurations(sb) == [notification]
    assert queue_names(sb) == ["audit-events"]
    assert [r["RoleName"] for r in sb.aws.client("iam").list_roles()["Roles"]] == []
    assert providers(sb)[provider_arn]["ClientIDList"] == [DEFENDER_CLIENT_ID]
    [removed] = report_rows(off, "s3_report")
    assert removed["outcome"] == "removed"
    assert removed["reason"] == f"kept: the OIDC provider, which lists other client IDs: {DEFENDER_CLIENT_ID}"

    # Offboarding again finds nothing of ours: no write.
    writes = Writes(sb)
    assert_ok(play(sb, OFFBOARD_S3, variables))
    assert writes.aws() == [] and writes.azure() == []


def test_drift_in_each_piece_is_repaired_with_a_trail_and_a_kms_key(clean_sandbox: Sandbox) -> None:
    sb = clean_sandbox
    account = sb.env["SANDBOX_AWS_ACCOUNT_ID"]
    sb.aws.client("s3").create_bucket(Bucket=BUCKET)
    key_id = sb.aws.client("kms").create_key()["KeyMetadata"]["KeyId"]
    variables = s3_vars(
        sb,
        BUCKET,
        s3_log_types=["cloudtrail", "vpcflow"],
        s3_kms_key_id=key_id,
        s3_trail={"create": True, "name": "sentinel-trail"},
        s3_tags={"team": "soc"},
    )
    role_arn = f"arn:aws:iam::{account}:role/{ROLE}"

    assert_ok(play(sb, ONBOARD_S3, variables))
    # The trail the role made: logging into the bucket, every region, marked as the collection's.
    cloudtrail = sb.aws.client("cloudtrail")
    [trail] = cloudtrail.describe_trails(trailNameList=["sentinel-trail"])["trailList"]
    assert (trail["S3BucketName"], trail["IsMultiRegionTrail"]) == (BUCKET, True)
    assert cloudtrail.get_trail_status(Name="sentinel-trail")["IsLogging"] is True
    trail_tags = cloudtrail.list_tags(ResourceIdList=[trail["TrailARN"]])["ResourceTagList"][0]["TagsList"]
    assert MARKER in trail_tags and {"Key": "team", "Value": "soc"} in trail_tags
    # CloudTrail may write to the bucket, for this trail only.
    assert trail["TrailARN"] in json.dumps(bucket_policy(sb))
    # The key policy lets the role decrypt.
    key_policy = loads(sb.aws.client("kms").get_key_policy(KeyId=key_id, PolicyName="default")["Policy"])
    assert any(role_arn in json.dumps(s) and "kms:Decrypt" in json.dumps(s) for s in key_policy["Statement"])
    tables = sorted(c["properties"]["destinationTable"] for c in s3_connectors(sb))
    assert tables == ["AWSCloudTrail", "AWSVPCFlow"]
    good = {
        "bucket": bucket_policy(sb),
        "notifications": queue_configurations(sb),
        "queue": queue(sb, "sentinel-aws-vpcflow")[1],
        "trust": trust(sb),
    }

    # Drift in each piece: the role's bucket statement removed, the CloudTrail notification removed,
    # the VPC flow queue's policy replaced, the trust's audience condition changed.
    s3, iam, sqs = sb.aws.client("s3"), sb.aws.client("iam"), sb.aws.client("sqs")
    reader = [s for s in good["bucket"]["Statement"] if s.get("Principal") == {"AWS": role_arn}]
    kept = [s for s in good["bucket"]["Statement"] if s not in reader]
    s3.put_bucket_policy(Bucket=BUCKET, Policy=json.dumps({**good["bucket"], "Statement": kept}))
    others = [c for c in good["notifications"] if c["Id"] != "sentinel-aws-cloudtrail"]
    s3.put_bucket_notification_configuration(Bucket=BUCKET, NotificationConfiguration={"QueueConfigurations": others})
    flow_url = queue(sb, "sentinel-aws-vpcflow")[0]
    sqs.set_queue_attributes(
        QueueUrl=flow_url, Attributes={"Policy": json.dumps({"Version": "2012-10-17", "Statement": []})}
    )
    drifted_trust = json.loads(json.dumps(good["trust"]).replace(AUDIENCE, "api://someone-else"))
    iam.update_assume_role_policy(
        RoleName=ROLE, PolicyDocument=json.dumps({"Version": "2012-10-17", "Statement": [drifted_trust]})
    )

    repair = play(sb, ONBOARD_S3, variables, diff=True)
    assert_ok(repair)
    assert report_rows(repair, "s3_report")[0]["outcome"] == "updated"
    # The diff shows the trust's audience coming back.
    assert "api://someone-else" in repair.stdout and AUDIENCE in repair.stdout
    # What was removed comes back (after the statements and configurations that stayed).
    assert by_key(bucket_policy(sb)["Statement"], "Sid") == by_key(good["bucket"]["Statement"], "Sid")
    assert by_key(queue_configurations(sb), "Id") == by_key(good["notifications"], "Id")
    assert queue(sb, "sentinel-aws-vpcflow")[1] == good["queue"]
    assert trust(sb) == good["trust"]

    writes = Writes(sb)
    assert_ok(play(sb, ONBOARD_S3, variables))
    assert writes.aws() == [] and writes.azure() == []

    # Offboarding removes the trail the collection made, and its statements in the key policy.
    assert_ok(play(sb, OFFBOARD_S3, variables))
    assert cloudtrail.describe_trails()["trailList"] == []
    key_policy = loads(sb.aws.client("kms").get_key_policy(KeyId=key_id, PolicyName="default")["Policy"])
    assert role_arn not in json.dumps(key_policy)


def test_refusals_before_any_write(clean_sandbox: Sandbox) -> None:
    """Malformed variables, and a trail of the wanted name that is not the collection's."""
    sb = clean_sandbox
    bad = s3_vars(sb, "Not_A_Bucket", s3_role_name="SentinelS3Role", s3_log_types=["cloudtrail", "waf"])
    writes = Writes(sb)
    run = play(sb, ONBOARD_S3, bad)
    assert run.returncode != 0
    [message] = run.failure_messages()
    for variable in ("s3_bucket", "s3_role_name", "s3_log_types[1]"):
        assert variable in message
    assert sb.aws.requests[writes.aws_from :] == []
    assert report_rows(run, "s3_report")[0]["outcome"] == "failed"

    s3 = sb.aws.client("s3")
    s3.create_bucket(Bucket=BUCKET)
    s3.put_bucket_policy(
        Bucket=BUCKET,
        Policy=json.dumps(
            {
                "Version": "2012-10-17",
                "Statement": [
                    {
                        "Sid": "CloudTrailWrite",
                        "Effect": "Allow",
                        "Principal": {"Service": "cloudtrail.amazonaws.com"},
                        "Action": ["s3:PutObject", "s3:GetBucketAcl"],
                        "Resource": [f"arn:aws:s3:::{BUCKET}", f"arn:aws:s3:::{BUCKET}/*"],
                    }
                ],
            }
        ),
    )
    sb.aws.client("cloudtrail").create_trail(Name="audit-trail", S3BucketName=BUCKET)
    writes = Writes(sb)
    run = play(sb, ONBOARD_S3, s3_vars(sb, BUCKET, s3_trail={"create": True, "name": "audit-trail"}))
    assert run.returncode != 0
    [message] = run.failure_messages()
    assert "name: the trail audit-trail exists and was not made by sentinel.aws" in message
    assert writes.aws() == [] and writes.azure() == []


def test_govcloud(clean_sandbox: Sandbox) -> None:
    """aws-us-gov: Microsoft's GovCloud tenant and audience, aws-us-gov ARNs on both clouds."""
    sb = clean_sandbox
    account = sb.env["SANDBOX_AWS_ACCOUNT_ID"]
    region = "us-gov-west-1"
    sb.aws.client("s3", region=region).create_bucket(
        Bucket=BUCKET, CreateBucketConfiguration={"LocationConstraint": region}
    )
    # moto loads AWS managed policies in the aws partition only (tests/sandbox/README.md): a policy of our own.
    policy_arn = sb.aws.client("iam", region=region).create_policy(
        PolicyName="CloudTrailRead",
        PolicyDocument=json.dumps(
            {"Version": "2012-10-17", "Statement": [{"Effect": "Allow", "Action": "cloudtrail:Get*", "Resource": "*"}]}
        ),
    )["Policy"]["Arn"]
    variables = s3_vars(
        sb,
        BUCKET,
        s3_aws_partition="aws-us-gov",
        s3_aws_connection={"region": region},
        s3_managed_policies=[policy_arn],
    )
    run = play(sb, ONBOARD_S3, variables)
    assert_ok(run)
    provider_arn = f"arn:aws-us-gov:iam::{account}:oidc-provider/sts.windows.net/{GOV_TENANT}/"
    iam = sb.aws.client("iam", region=region)
    provider = iam.get_open_id_connect_provider(OpenIDConnectProviderArn=provider_arn)
    assert provider["ClientIDList"] == [GOV_AUDIENCE]
    statement = loads(iam.get_role(RoleName=ROLE)["Role"]["AssumeRolePolicyDocument"])["Statement"][0]
    assert statement["Principal"] == {"Federated": provider_arn}
    assert statement["Condition"]["StringEquals"][f"sts.windows.net/{GOV_TENANT}/:aud"] == GOV_AUDIENCE
    [connector] = s3_connectors(sb)
    assert connector["properties"]["roleArn"] == f"arn:aws-us-gov:iam::{account}:role/{ROLE}"
    writes = Writes(sb)
    assert_ok(play(sb, ONBOARD_S3, variables))
    assert writes.aws() == [] and writes.azure() == []
