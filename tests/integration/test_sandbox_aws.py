"""The sandbox's AWS side: real boto3 over HTTP against moto behind the recording/fault middleware."""

from __future__ import annotations

import json
import urllib.request

import pytest
from botocore.exceptions import ClientError

CLOUDTRAIL_POLICY = "arn:aws:iam::aws:policy/AWSCloudTrail_ReadOnlyAccess"
TRUST = json.dumps(
    {
        "Version": "2012-10-17",
        "Statement": [
            {
                "Effect": "Allow",
                "Principal": {"AWS": "arn:aws:iam::197857026523:root"},
                "Action": "sts:AssumeRole",
                "Condition": {"StringEquals": {"sts:ExternalId": "6f5e4d3c-0000-4000-8000-0000000051a1"}},
            }
        ],
    }
)


def test_iam_role_sts_and_managed_policy(clean_sandbox):
    iam, sts = clean_sandbox.aws.client("iam"), clean_sandbox.aws.client("sts")

    assert sts.get_caller_identity()["Account"] == "123456789012"
    arn = iam.create_role(RoleName="sentinel-reader", AssumeRolePolicyDocument=TRUST)["Role"]["Arn"]
    assert arn == "arn:aws:iam::123456789012:role/sentinel-reader"
    iam.attach_role_policy(RoleName="sentinel-reader", PolicyArn=CLOUDTRAIL_POLICY)

    attached = iam.list_attached_role_policies(RoleName="sentinel-reader")["AttachedPolicies"]
    assert [p["PolicyArn"] for p in attached] == [CLOUDTRAIL_POLICY]
    role = iam.get_role(RoleName="sentinel-reader")["Role"]
    assert role["AssumeRolePolicyDocument"]["Statement"][0]["Principal"]["AWS"] == "arn:aws:iam::197857026523:root"
    # The renamed policy's old name is not in moto's list (design.md).
    with pytest.raises(ClientError) as old:
        iam.get_policy(PolicyArn="arn:aws:iam::aws:policy/AWSCloudTrailReadOnlyAccess")
    assert old.value.response["Error"]["Code"] == "NoSuchEntity"


def test_recorder_sees_actions_and_splits_writes(clean_sandbox):
    iam = clean_sandbox.aws.client("iam")
    iam.create_role(RoleName="r1", AssumeRolePolicyDocument=TRUST)
    iam.get_role(RoleName="r1")
    iam.list_roles()
    with pytest.raises(ClientError):
        iam.get_role(RoleName="missing")

    records = clean_sandbox.aws.requests
    assert [(r["service"], r["action"], r["status"]) for r in records] == [
        ("iam", "CreateRole", 200),
        ("iam", "GetRole", 200),
        ("iam", "ListRoles", 200),
        ("iam", "GetRole", 404),
    ]
    assert all(r["access_key"] == clean_sandbox.env["AWS_ACCESS_KEY_ID"] for r in records)
    assert [r["action"] for r in clean_sandbox.aws.write_requests()] == ["CreateRole"]


def test_throttling_fault_reaches_boto3_then_clears(clean_sandbox):
    iam = clean_sandbox.aws.client("iam")  # retries off
    clean_sandbox.aws.add_fault(action="CreateRole", status=400, code="Throttling", message="Rate exceeded", times=2)

    for _attempt in range(2):
        with pytest.raises(ClientError) as error:
            iam.create_role(RoleName="r", AssumeRolePolicyDocument=TRUST)
        assert error.value.response["Error"]["Code"] == "Throttling"
        assert error.value.response["Error"]["Message"] == "Rate exceeded"
        assert error.value.response["ResponseMetadata"]["HTTPStatusCode"] == 400
    iam.create_role(RoleName="r", AssumeRolePolicyDocument=TRUST)  # the third goes through

    assert [(r["action"], r["status"], r["fault"]) for r in clean_sandbox.aws.requests] == [
        ("CreateRole", 400, True),
        ("CreateRole", 400, True),
        ("CreateRole", 200, False),
    ]
    assert iam.get_role(RoleName="r")["Role"]["RoleName"] == "r"


def test_server_error_fault_is_retried_by_boto3(clean_sandbox):
    import boto3
    from botocore.config import Config

    iam = boto3.client(
        "iam",
        endpoint_url=clean_sandbox.aws_endpoint,
        region_name="us-east-1",
        aws_access_key_id="AKIASANDBOXTESTING01",
        aws_secret_access_key="x",
        config=Config(retries={"max_attempts": 3, "mode": "standard"}),
    )
    clean_sandbox.aws.add_fault(action="ListRoles", status=500, code="InternalFailure", message="boom", times=1)
    assert iam.list_roles()["Roles"] == []
    assert [r["status"] for r in clean_sandbox.aws.requests] == [500, 200]


def test_control_api_faults_json_protocol_and_reset(clean_sandbox):
    """The HTTP control API (for shell users and subprocesses), on SQS's JSON protocol."""
    endpoint = clean_sandbox.aws_endpoint
    fault = {
        "action": "CreateQueue",
        "status": 400,
        "code": "AWS.SimpleQueueService.QueueDeletedRecently",
        "message": "wait",
    }
    post = urllib.request.Request(f"{endpoint}/_sandbox/faults", data=json.dumps(fault).encode(), method="POST")
    assert json.load(urllib.request.urlopen(post)) == {"faults": 1}

    sqs = clean_sandbox.aws.client("sqs")
    with pytest.raises(ClientError) as error:
        sqs.create_queue(QueueName="q")
    assert error.value.response["Error"]["Code"] == "AWS.SimpleQueueService.QueueDeletedRecently"
    sqs.create_queue(QueueName="q")

    logged = json.load(urllib.request.urlopen(f"{endpoint}/_sandbox/requests"))
    assert [(r["service"], r["action"], r["status"]) for r in logged] == [
        ("sqs", "CreateQueue", 400),
        ("sqs", "CreateQueue", 200),
    ]

    urllib.request.urlopen(urllib.request.Request(f"{endpoint}/_sandbox/reset?state=true", method="POST"))
    assert json.load(urllib.request.urlopen(f"{endpoint}/_sandbox/requests")) == []
    assert sqs.list_queues().get("QueueUrls", []) == []


def test_s3_requests_are_named_by_method_and_path(clean_sandbox):
    s3 = clean_sandbox.aws.client("s3")
    s3.create_bucket(Bucket="trail-logs")
    s3.list_buckets()
    assert [(r["service"], r["action"]) for r in clean_sandbox.aws.requests] == [
        ("s3", "PUT /trail-logs"),
        ("s3", "GET /"),
    ]
    assert [r["action"] for r in clean_sandbox.aws.write_requests()] == ["PUT /trail-logs"]


def test_several_accounts_through_access_keys(clean_sandbox):
    other = clean_sandbox.aws.client("iam", account_id="111111111111")
    assert clean_sandbox.aws.client("sts", account_id="111111111111").get_caller_identity()["Account"] == "111111111111"
    arn = other.create_role(RoleName="per-account", AssumeRolePolicyDocument=TRUST)["Role"]["Arn"]
    assert arn == "arn:aws:iam::111111111111:role/per-account"
    with pytest.raises(ClientError):
        clean_sandbox.aws.client("iam").get_role(RoleName="per-account")  # not in 123456789012
    assert clean_sandbox.aws.requests[-1]["account"] == "123456789012"
    assert {r["account"] for r in clean_sandbox.aws.requests[:-1]} == {"111111111111"}


def test_reset_state_wipes_moto(clean_sandbox):
    iam = clean_sandbox.aws.client("iam")
    iam.create_role(RoleName="gone-after-reset", AssumeRolePolicyDocument=TRUST)
    clean_sandbox.aws.reset(state=True)
    assert clean_sandbox.aws.requests == []
    assert [r["RoleName"] for r in iam.list_roles()["Roles"]] == []
    # Managed policies come back with the fresh backend.
    assert iam.get_policy(PolicyArn=CLOUDTRAIL_POLICY)["Policy"]["PolicyName"] == "AWSCloudTrail_ReadOnlyAccess"


def test_reset_state_frees_bucket_names(clean_sandbox):
    """A bucket name used before a reset can be created again (moto's global bucket-name map is emptied too)."""
    s3 = clean_sandbox.aws.client("s3")
    s3.create_bucket(Bucket="reused-after-reset")
    clean_sandbox.aws.reset(state=True)
    assert s3.list_buckets()["Buckets"] == []
    s3.create_bucket(Bucket="reused-after-reset")
    assert [b["Name"] for b in s3.list_buckets()["Buckets"]] == ["reused-after-reset"]


def test_s3_notification_configuration_is_answered_as_s3_answers_it(clean_sandbox):
    """moto leaves EventBridgeConfiguration out of its answer, keeps filter rule names as sent and accepts
    only lower case; S3 answers EventBridge, capitalises Prefix/Suffix and accepts either (aws/aws-sdk #389)."""
    s3 = clean_sandbox.aws.client("s3")
    s3.create_bucket(Bucket="event-bridge-bucket")
    topic = {
        "Id": "t",
        "TopicArn": "arn:aws:sns:us-east-1:123456789012:t",
        "Events": ["s3:ObjectCreated:*"],
        "Filter": {"Key": {"FilterRules": [{"Name": "prefix", "Value": "a/"}, {"Name": "Suffix", "Value": ".gz"}]}},
    }
    s3.put_bucket_notification_configuration(
        Bucket="event-bridge-bucket",
        NotificationConfiguration={"TopicConfigurations": [topic], "EventBridgeConfiguration": {}},
    )
    answer = s3.get_bucket_notification_configuration(Bucket="event-bridge-bucket")
    assert answer["EventBridgeConfiguration"] == {}
    assert answer["TopicConfigurations"][0]["Filter"]["Key"]["FilterRules"] == [
        {"Name": "Prefix", "Value": "a/"},
        {"Name": "Suffix", "Value": ".gz"},
    ]
    # Answering capitalised changed nothing stored: the second answer is the same.
    assert s3.get_bucket_notification_configuration(Bucket="event-bridge-bucket")["TopicConfigurations"] == (
        answer["TopicConfigurations"]
    )

    del topic["Filter"]
    s3.put_bucket_notification_configuration(
        Bucket="event-bridge-bucket", NotificationConfiguration={"TopicConfigurations": [topic]}
    )
    assert "EventBridgeConfiguration" not in s3.get_bucket_notification_configuration(Bucket="event-bridge-bucket")


# --- OIDC client IDs: the sandbox's own AddClientID/RemoveClientID (moto 5 answers 500) ----------

PROVIDER_URL = "https://sts.windows.net/33e01921-4d64-4f8c-a055-5bdaffd5e33d/"
THUMBPRINT = "626D44E704D1CEABE3BF0D53397464AC8080142C"


def _provider(iam, client_ids, tags=None):
    return iam.create_open_id_connect_provider(
        Url=PROVIDER_URL, ClientIDList=client_ids, ThumbprintList=[THUMBPRINT], Tags=tags or []
    )["OpenIDConnectProviderArn"]


def _client_ids(iam, arn):
    return iam.get_open_id_connect_provider(OpenIDConnectProviderArn=arn)["ClientIDList"]


def test_oidc_add_client_id_appends_once_and_keeps_the_rest(clean_sandbox):
    iam = clean_sandbox.aws.client("iam")
    arn = _provider(iam, ["api://defender"], tags=[{"Key": "owner", "Value": "cspm"}])

    iam.add_client_id_to_open_id_connect_provider(OpenIDConnectProviderArn=arn, ClientID="api://sentinel")
    iam.add_client_id_to_open_id_connect_provider(OpenIDConnectProviderArn=arn, ClientID="api://sentinel")

    provider = iam.get_open_id_connect_provider(OpenIDConnectProviderArn=arn)
    assert provider["ClientIDList"] == ["api://defender", "api://sentinel"]  # idempotent, appended
    assert provider["ThumbprintList"] == [THUMBPRINT]
    assert provider["Tags"] == [{"Key": "owner", "Value": "cspm"}]
    assert [(r["action"], r["status"]) for r in clean_sandbox.aws.write_requests()] == [
        ("CreateOpenIDConnectProvider", 200),
        ("AddClientIDToOpenIDConnectProvider", 200),
        ("AddClientIDToOpenIDConnectProvider", 200),
    ]


def test_oidc_remove_client_id_is_idempotent_and_may_empty_the_list(clean_sandbox):
    iam = clean_sandbox.aws.client("iam")
    arn = _provider(iam, ["api://defender", "api://sentinel", "api://other"])

    iam.remove_client_id_from_open_id_connect_provider(OpenIDConnectProviderArn=arn, ClientID="api://sentinel")
    iam.remove_client_id_from_open_id_connect_provider(OpenIDConnectProviderArn=arn, ClientID="api://sentinel")
    assert _client_ids(iam, arn) == ["api://defender", "api://other"]  # order of the others kept

    for client_id in ("api://defender", "api://other"):
        iam.remove_client_id_from_open_id_connect_provider(OpenIDConnectProviderArn=arn, ClientID=client_id)
    assert _client_ids(iam, arn) == []  # IAM keeps a provider without client IDs


def test_oidc_client_id_calls_on_an_unknown_provider_answer_no_such_entity(clean_sandbox):
    iam = clean_sandbox.aws.client("iam")
    missing = "arn:aws:iam::123456789012:oidc-provider/sts.windows.net/none/"
    for call in (iam.add_client_id_to_open_id_connect_provider, iam.remove_client_id_from_open_id_connect_provider):
        with pytest.raises(ClientError) as error:
            call(OpenIDConnectProviderArn=missing, ClientID="api://sentinel")
        assert error.value.response["Error"]["Code"] == "NoSuchEntity"
        assert error.value.response["ResponseMetadata"]["HTTPStatusCode"] == 404


def test_oidc_client_id_limits(clean_sandbox):
    iam = clean_sandbox.aws.client("iam")
    arn = _provider(iam, [f"api://client-{n}" for n in range(100)])

    with pytest.raises(ClientError) as full:
        iam.add_client_id_to_open_id_connect_provider(OpenIDConnectProviderArn=arn, ClientID="api://one-too-many")
    assert full.value.response["Error"]["Code"] == "LimitExceeded"
    assert full.value.response["ResponseMetadata"]["HTTPStatusCode"] == 409
    iam.add_client_id_to_open_id_connect_provider(OpenIDConnectProviderArn=arn, ClientID="api://client-7")  # present
    with pytest.raises(ClientError) as long_id:
        iam.remove_client_id_from_open_id_connect_provider(OpenIDConnectProviderArn=arn, ClientID="x" * 256)
    assert long_id.value.response["Error"]["Code"] == "ValidationError"
    assert long_id.value.response["ResponseMetadata"]["HTTPStatusCode"] == 400
    assert len(_client_ids(iam, arn)) == 100


def test_oidc_client_id_calls_reach_the_account_and_partition_of_the_request(clean_sandbox):
    """moto picks the backend: another account's provider, and a GovCloud one, are their own."""
    gov = clean_sandbox.aws.client("iam", account_id="111111111111", region="us-gov-west-1")
    arn = _provider(gov, ["api://gov"])
    assert arn.startswith("arn:aws-us-gov:iam::111111111111:oidc-provider/")

    gov.add_client_id_to_open_id_connect_provider(OpenIDConnectProviderArn=arn, ClientID="api://sentinel-gov")
    assert _client_ids(gov, arn) == ["api://gov", "api://sentinel-gov"]
    with pytest.raises(ClientError) as elsewhere:
        clean_sandbox.aws.client("iam").add_client_id_to_open_id_connect_provider(
            OpenIDConnectProviderArn=arn, ClientID="api://x"
        )
    assert elsewhere.value.response["Error"]["Code"] == "NoSuchEntity"


def test_cloudtrail_deletes_a_trail_by_its_arn(clean_sandbox):
    """DeleteTrail takes the name or the ARN (moto alone ignores an ARN); amazon.aws.cloudtrail sends the ARN."""
    clean_sandbox.aws.client("s3").create_bucket(Bucket="trail-logs")
    cloudtrail = clean_sandbox.aws.client("cloudtrail")
    arn = cloudtrail.create_trail(Name="by-arn", S3BucketName="trail-logs")["TrailARN"]
    cloudtrail.create_trail(Name="by-name", S3BucketName="trail-logs")
    cloudtrail.delete_trail(Name=arn)
    cloudtrail.delete_trail(Name="by-name")
    assert cloudtrail.describe_trails()["trailList"] == []


def test_an_organization_and_assume_role_into_a_member_account(clean_sandbox):
    """moto's Organizations from a hub account; AssumeRole into a member serves IAM there; STS is no write."""
    import boto3

    sb = clean_sandbox
    organizations = sb.aws.client("organizations", account_id="111111111111")
    organizations.create_organization(FeatureSet="ALL")
    root = organizations.list_roots()["Roots"][0]["Id"]
    unit = organizations.create_organizational_unit(ParentId=root, Name="Workloads")["OrganizationalUnit"]["Id"]
    status = organizations.create_account(
        Email="m@example.com", AccountName="member", Tags=[{"Key": "env", "Value": "prod"}]
    )["CreateAccountStatus"]
    member = status["AccountId"]
    organizations.move_account(AccountId=member, SourceParentId=root, DestinationParentId=unit)
    assert [a["Id"] for a in organizations.list_accounts_for_parent(ParentId=unit)["Accounts"]] == [member]
    assert organizations.list_tags_for_resource(ResourceId=member)["Tags"] == [{"Key": "env", "Value": "prod"}]
    sb.aws.reset()

    sts = sb.aws.client("sts", account_id="111111111111")
    answer = sts.assume_role(RoleArn=f"arn:aws:iam::{member}:role/OrganizationAccountAccessRole", RoleSessionName="hub")
    keys = answer["Credentials"]
    iam = boto3.client(
        "iam",
        endpoint_url=sb.aws_endpoint,
        region_name="us-east-1",
        aws_access_key_id=keys["AccessKeyId"],
        aws_secret_access_key=keys["SecretAccessKey"],
        aws_session_token=keys["SessionToken"],
    )
    iam.create_role(RoleName="Made", AssumeRolePolicyDocument=TRUST)

    assert "Made" in [r["RoleName"] for r in sb.aws.client("iam", account_id=member).list_roles()["Roles"]]
    assert [(r["action"], r["account"]) for r in sb.aws.requests[:2]] == [
        ("AssumeRole", "111111111111"),
        ("CreateRole", member),  # the log names the account moto served the assumed role's keys in
    ]
    assert [r["action"] for r in sb.aws.write_requests()] == ["CreateRole"]  # STS calls change nothing


def test_assume_role_of_a_role_missing_from_its_account_is_access_denied(clean_sandbox):
    """STS refuses a role it cannot assume with AccessDenied naming the role; moto alone would hand out keys."""
    sb = clean_sandbox
    sb.aws.client("iam", account_id="222222222222").create_role(RoleName="Present", AssumeRolePolicyDocument=TRUST)
    sts = sb.aws.client("sts", account_id="111111111111")

    assert sts.assume_role(RoleArn="arn:aws:iam::222222222222:role/Present", RoleSessionName="hub")["Credentials"]
    with pytest.raises(ClientError) as refused:
        sts.assume_role(RoleArn="arn:aws:iam::222222222222:role/Missing", RoleSessionName="hub")

    error = refused.value.response
    assert (error["ResponseMetadata"]["HTTPStatusCode"], error["Error"]["Code"]) == (403, "AccessDenied")
    assert error["Error"]["Message"] == (
        "User: arn:aws:iam::111111111111:root is not authorized to perform: sts:AssumeRole on resource: "
        "arn:aws:iam::222222222222:role/Missing"
    )


def organization_trail_error(cloudtrail, name: str = "org-trail") -> str:
    with pytest.raises(ClientError) as refused:
        cloudtrail.create_trail(Name=name, S3BucketName="trail-logs", IsOrganizationTrail=True)
    return refused.value.response["Error"]["Code"]


def test_cloudtrail_organization_trail_needs_the_management_account_and_trusted_access(clean_sandbox):
    """CreateTrail/UpdateTrail with IsOrganizationTrail refused as AWS refuses them (moto alone accepts any)."""
    clean_sandbox.aws.client("s3").create_bucket(Bucket="trail-logs")
    cloudtrail = clean_sandbox.aws.client("cloudtrail")
    assert organization_trail_error(cloudtrail) == "OrganizationsNotInUseException"
    organizations = clean_sandbox.aws.client("organizations")
    organizations.create_organization(FeatureSet="ALL")
    assert organization_trail_error(cloudtrail) == "CloudTrailAccessNotEnabledException"
    member = organizations.create_account(AccountName="member", Email="member@example.com")["CreateAccountStatus"]
    member_cloudtrail = clean_sandbox.aws.client("cloudtrail", account_id=member["AccountId"])
    organizations.enable_aws_service_access(ServicePrincipal="cloudtrail.amazonaws.com")
    assert organization_trail_error(member_cloudtrail) == "NotOrganizationMasterAccountException"
    assert cloudtrail.describe_trails()["trailList"] == []

    assert cloudtrail.create_trail(Name="org-trail", S3BucketName="trail-logs", IsOrganizationTrail=True)[
        "IsOrganizationTrail"
    ]
    # UpdateTrail: the same rule when a trail becomes an organisation trail.
    clean_sandbox.aws.client("s3", account_id=member["AccountId"]).create_bucket(Bucket="member-logs")
    member_cloudtrail.create_trail(Name="member-trail", S3BucketName="member-logs")
    with pytest.raises(ClientError) as refused:
        member_cloudtrail.update_trail(Name="member-trail", IsOrganizationTrail=True)
    assert refused.value.response["Error"]["Code"] == "NotOrganizationMasterAccountException"


def test_reset_state_forgets_organization_members(clean_sandbox):
    """After a reset a former member account is in no organisation (moto's member map is emptied too)."""
    organizations = clean_sandbox.aws.client("organizations")
    organizations.create_organization(FeatureSet="ALL")
    member = organizations.create_account(AccountName="member", Email="member@example.com")["CreateAccountStatus"]
    clean_sandbox.aws.reset(state=True)
    with pytest.raises(ClientError) as answer:
        clean_sandbox.aws.client("organizations", account_id=member["AccountId"]).describe_organization()
    assert answer.value.response["Error"]["Code"] == "AWSOrganizationsNotInUseException"
