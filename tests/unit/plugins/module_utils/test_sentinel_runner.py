"""sentinel_runner: what data_connector does, driven through a fake of SentinelApi's methods.

FakeApi is a plain class with SentinelApi's methods over a dict of connectors; it records every
call, so each test proves which ARM calls a run would make (the integration tests prove the same
against the sandbox's Azure emulator).
"""

from __future__ import absolute_import, division, print_function
from __future__ import annotations

__metaclass__ = type

import re

import pytest

from ansible_collections.sentinel.aws.plugins.module_utils import sentinel_runner
from ansible_collections.sentinel.aws.plugins.module_utils.sentinel import CLOUDTRAIL_KIND, S3_KIND, derive_connector_id
from ansible_collections.sentinel.aws.plugins.module_utils.sentinel_api import SentinelError
from ansible_collections.sentinel.aws.plugins.module_utils.validation import InvalidInput

WORKSPACE_ID = (
    "/subscriptions/0b1f6471-0000-4000-8000-00000000501b/resourceGroups/rg-sentinel"
    "/providers/Microsoft.OperationalInsights/workspaces/law-sentinel"
)
ROLE_ARN = "arn:aws:iam::123456789012:role/MicrosoftSentinelRole"
OTHER_ACCOUNT_ROLE_ARN = "arn:aws:iam::210987654321:role/MicrosoftSentinelRole"
DERIVED_ID = derive_connector_id(CLOUDTRAIL_KIND, ROLE_ARN)
LEFTOVER_ID = "0d5e3c8f-5a47-4b0e-8f0e-6f2a1c9b7e21"
WRITES = ("enable_sentinel", "put_connector", "delete_connector")


def connector(name, role_arn=ROLE_ARN, logs_enabled=True, etag="etag-0"):
    return dict(
        id="%s/providers/Microsoft.SecurityInsights/dataConnectors/%s" % (WORKSPACE_ID, name),
        name=name,
        kind=CLOUDTRAIL_KIND,
        etag=etag,
        aws_role_arn=role_arn,
        logs_enabled=logs_enabled,
    )


def refusal(status, message):
    """A SentinelError as SentinelApi raises it for an ARM error answer."""
    service = dict(status_code=status, error_code="BadRequest", message=message)
    return SentinelError("failed to write the data connector: %s" % message, service, status_code=status)


class FakeApi:
    """SentinelApi's methods over a dict of connectors; every call is recorded in calls."""

    name = "law-sentinel"
    resource_group = "rg-sentinel"
    workspace_id = WORKSPACE_ID

    def __init__(self, connectors=(), sentinel_enabled=True, put_errors=(), list_errors=None):
        self.connectors = {c["name"]: dict(c) for c in connectors}
        self.enabled = sentinel_enabled
        self.put_errors = list(put_errors)  # raised by the next PUTs, in order
        self.list_errors = dict(list_errors or {})  # listing number (0: the first) -> the error it raises
        self.calls = []

    def writes(self):
        return [call for call in self.calls if call[0] in WRITES]

    def get_workspace(self):
        self.calls.append(("get_workspace",))
        return dict(name=self.name, resource_group=self.resource_group, id=WORKSPACE_ID)

    def sentinel_enabled(self):
        self.calls.append(("sentinel_enabled",))
        return self.enabled

    def enable_sentinel(self):
        self.calls.append(("enable_sentinel",))
        self.enabled = True

    def list_connectors(self):
        self.calls.append(("list_connectors",))
        listing = sum(1 for call in self.calls if call[0] == "list_connectors") - 1
        if listing in self.list_errors:
            raise self.list_errors[listing]
        return [dict(c) for c in self.connectors.values()]

    def put_connector(self, connector_id, desired, etag):
        self.calls.append(("put_connector", connector_id, desired["aws_role_arn"], desired["logs_enabled"], etag))
        if self.put_errors:
            raise self.put_errors.pop(0)
        stored = connector(connector_id, etag="etag-%d" % len(self.calls))
        stored.update(desired)
        self.connectors[connector_id] = stored
        return dict(stored)

    def delete_connector(self, connector):
        self.calls.append(("delete_connector", connector["name"]))
        del self.connectors[connector["name"]]


def spec(**changes):
    values = dict(
        workspace=dict(subscription_id=None, resource_group="rg-sentinel", name="law-sentinel"),
        kind=CLOUDTRAIL_KIND,
        role_arn=ROLE_ARN,
        connector_id=None,
        logs_enabled=True,
        ensure_sentinel=False,
        wait_timeout=60,
        state="present",
        sqs_urls=None,
        destination_table=None,
    )
    values.update(changes)
    return values


class Waits(list):
    """A sleep() that records how long it was asked to wait, and does not wait."""

    def __call__(self, seconds):
        self.append(seconds)


# --- state=present --------------------------------------------------------------------------------


def test_create_puts_the_connector_under_the_id_derived_from_the_role():
    api = FakeApi()
    result = sentinel_runner.ensure_present(api, spec(), check_mode=False)
    assert api.writes() == [("put_connector", DERIVED_ID, ROLE_ARN, True, None)]
    assert result["changed"] and result["connector"] == api.connectors[DERIVED_ID]
    assert result["diff"] == dict(
        before={}, after=dict(name=DERIVED_ID, kind=CLOUDTRAIL_KIND, aws_role_arn=ROLE_ARN, logs_enabled=True)
    )


def test_a_converged_connector_is_not_written():
    existing = connector(DERIVED_ID, ROLE_ARN.upper().replace("ARN:AWS:IAM", "arn:aws:iam"))  # ARN case ignored
    api = FakeApi([existing])
    result = sentinel_runner.ensure_present(api, spec(), check_mode=False)
    assert api.calls == [("list_connectors",)]  # one read, no write
    assert not result["changed"] and result["connector"] == existing
    assert result["diff"]["before"] == result["diff"]["after"]


def test_an_update_puts_with_the_current_etag_and_shows_the_change():
    api = FakeApi([connector(LEFTOVER_ID, logs_enabled=False, etag="etag-old")])  # made by hand: adopted
    result = sentinel_runner.ensure_present(api, spec(), check_mode=False)
    assert api.writes() == [("put_connector", LEFTOVER_ID, ROLE_ARN, True, "etag-old")]
    assert result["changed"] and result["connector"]["logs_enabled"] is True
    assert (result["diff"]["before"]["logs_enabled"], result["diff"]["after"]["logs_enabled"]) == (False, True)


def test_check_mode_writes_nothing_and_shows_the_connector_it_would_make():
    api = FakeApi()
    result = sentinel_runner.ensure_present(api, spec(), check_mode=True)
    assert api.writes() == [] and api.connectors == {}
    assert result["changed"]
    assert result["connector"]["id"] == "%s/providers/Microsoft.SecurityInsights/dataConnectors/%s" % (
        WORKSPACE_ID,
        DERIVED_ID,
    )
    assert result["connector"]["etag"] is None
    assert result["diff"]["after"]["aws_role_arn"] == ROLE_ARN


def test_sentinel_is_enabled_first_when_asked():
    api = FakeApi([connector(DERIVED_ID)], sentinel_enabled=False)
    result = sentinel_runner.ensure_present(api, spec(ensure_sentinel=True), check_mode=False)
    assert api.writes() == [("enable_sentinel",)]  # the connector itself was converged
    assert result["changed"]


def test_check_mode_does_not_enable_sentinel_nor_list_a_workspace_without_it():
    api = FakeApi(sentinel_enabled=False)
    result = sentinel_runner.ensure_present(api, spec(ensure_sentinel=True), check_mode=True)
    assert api.calls == [("sentinel_enabled",)]
    assert result["changed"] and result["connector"]["name"] == DERIVED_ID


def test_another_accounts_connector_id_is_refused_before_any_write():
    api = FakeApi([connector(LEFTOVER_ID, OTHER_ACCOUNT_ROLE_ARN)])
    with pytest.raises(InvalidInput, match="would stop Sentinel reading account 210987654321"):
        sentinel_runner.ensure_present(api, spec(connector_id=LEFTOVER_ID), check_mode=False)
    assert api.writes() == []


# --- the PUT: retries and refusals ------------------------------------------------------------------


def test_a_retryable_refusal_is_retried_until_sentinel_accepts_the_connector():
    api = FakeApi(put_errors=[refusal(400, "Sentinel could not assume the role")] * 2)
    waits = Waits()
    result = sentinel_runner.ensure_present(api, spec(), check_mode=False, sleep=waits)
    assert [call[0] for call in api.writes()] == ["put_connector"] * 3
    assert waits == [2.0, 4.0]  # exponential backoff
    assert result["changed"] and result["connector"]["name"] == DERIVED_ID


def test_a_refusal_past_wait_timeout_names_the_role_and_sentinels_principal():
    api = FakeApi(put_errors=[refusal(400, "Sentinel could not assume the role")])
    with pytest.raises(SentinelError) as failed:
        sentinel_runner.ensure_present(api, spec(wait_timeout=0), check_mode=False, sleep=Waits())
    assert "still refused the connector for role %s after 1 attempts" % ROLE_ARN in failed.value.msg
    assert "lets arn:aws:iam::197857026523:root call sts:AssumeRole" in failed.value.msg
    assert "Sentinel could not assume the role" in failed.value.msg
    assert failed.value.details == dict(status_code=400, error_code="BadRequest")


def test_a_refusal_waiting_cannot_change_is_not_retried():
    refused = refusal(400, "Failed to parse input. Error='Required property 'dataTypes' not found'")
    api = FakeApi(put_errors=[refused])
    waits = Waits()
    with pytest.raises(SentinelError) as failed:
        sentinel_runner.ensure_present(api, spec(), check_mode=False, sleep=waits)
    assert failed.value is refused and waits == [] and len(api.writes()) == 1


def test_a_duplicate_refusal_names_the_workspaces_other_connectors_of_the_kind():
    duplicate = refusal(400, "two connectors with different names and the same kind and context id")
    api = FakeApi([connector(LEFTOVER_ID, "arn:aws:iam::123456789012:role/OldRole")], put_errors=[duplicate])
    waits = Waits()
    with pytest.raises(SentinelError) as failed:
        sentinel_runner.ensure_present(api, spec(), check_mode=False, sleep=waits)
    assert waits == []  # a duplicate is not retried
    assert "Sentinel refused connector %s on workspace law-sentinel as a duplicate" % DERIVED_ID in failed.value.msg
    assert "%s (role arn:aws:iam::123456789012:role/OldRole)" % LEFTOVER_ID in failed.value.msg
    assert "state=absent connector_id=<its name>" in failed.value.msg
    assert failed.value.details == dict(status_code=400, error_code="BadRequest")
    assert [call[0] for call in api.calls] == ["list_connectors", "put_connector", "list_connectors"]


def test_a_duplicate_refusal_is_reported_as_it_is_when_the_connectors_cannot_be_listed():
    duplicate = refusal(400, "two connectors with different names and the same kind and context id")
    api = FakeApi(put_errors=[duplicate], list_errors={1: refusal(503, "unavailable")})
    with pytest.raises(SentinelError) as failed:
        sentinel_runner.ensure_present(api, spec(), check_mode=False, sleep=Waits())
    assert failed.value is duplicate


# --- state=absent ---------------------------------------------------------------------------------


def test_a_connector_list_read_already_is_used_as_given_and_not_read_again():
    """The organisation path reads the list once for every account and passes it in."""
    listed = [connector(DERIVED_ID, logs_enabled=False)]
    api = FakeApi(listed, sentinel_enabled=False)  # not asked: the caller's list shows Sentinel is on
    result = sentinel_runner.ensure_present(api, spec(), check_mode=False, connectors=listed)
    assert api.calls == [("put_connector", DERIVED_ID, ROLE_ARN, True, "etag-0")]
    assert result["changed"] and result["diff"]["before"]["logs_enabled"] is False

    api = FakeApi(listed)
    result = sentinel_runner.ensure_absent(api, spec(state="absent"), check_mode=False, connectors=listed)
    assert api.calls == [("delete_connector", DERIVED_ID)]
    assert result["changed"] and result["connector"] == listed[0]


def test_delete_removes_the_connector_of_the_role():
    existing = connector(LEFTOVER_ID)
    api = FakeApi([existing])
    result = sentinel_runner.ensure_absent(api, spec(state="absent"), check_mode=False)
    assert api.writes() == [("delete_connector", LEFTOVER_ID)] and api.connectors == {}
    assert result["changed"] and result["connector"] == existing
    assert result["diff"]["after"] == {} and result["diff"]["before"]["name"] == LEFTOVER_ID


def test_delete_in_check_mode_and_delete_of_nothing_write_nothing():
    api = FakeApi([connector(LEFTOVER_ID)])
    assert sentinel_runner.ensure_absent(api, spec(state="absent"), check_mode=True)["changed"]
    gone = FakeApi()
    result = sentinel_runner.ensure_absent(gone, spec(state="absent"), check_mode=False)
    assert not result["changed"] and result["connector"] == {}
    assert api.writes() == [] and gone.writes() == []


# --- connectors that cannot be listed -----------------------------------------------------------------


NOT_ONBOARDED = "Workspace 'law-sentinel' is not onboarded to Microsoft Sentinel."


@pytest.mark.parametrize(
    "error, enabled, reads",
    [
        (refusal(400, NOT_ONBOARDED), True, []),  # Sentinel's own answer says it all
        (refusal(404, "not found"), False, ["get_workspace", "sentinel_enabled"]),
    ],
)
def test_sentinel_off_is_reported_as_such(error, enabled, reads):
    api = FakeApi(sentinel_enabled=enabled, list_errors={0: error})
    with pytest.raises(SentinelError) as failed:
        sentinel_runner.ensure_present(api, spec(), check_mode=False)
    assert failed.value.msg.startswith("Microsoft Sentinel is not enabled on workspace law-sentinel")
    assert failed.value.details["sentinel_enabled"] is False
    assert [call[0] for call in api.calls] == ["list_connectors"] + reads


def test_other_listing_failures_are_reported_as_they_are():
    forbidden = refusal(403, "no")
    api = FakeApi(list_errors={0: forbidden})
    with pytest.raises(SentinelError) as failed:
        sentinel_runner.ensure_present(api, spec(), check_mode=False)
    assert failed.value is forbidden and api.calls == [("list_connectors",)]


# --- the module's entry: bad input leaves as a SentinelError, before any sign-in ----------------------


def test_bad_input_leaves_as_a_sentinel_error_before_any_call():
    params = dict(
        workspace_name="law-sentinel",
        resource_group="rg-sentinel",
        workspace_resource_id=None,
        kind=CLOUDTRAIL_KIND,
        aws_role_arn=ROLE_ARN,
        connector_id="not-a-guid",
        logs_enabled=True,
        ensure_sentinel=False,
        wait_timeout=60,
        state="present",
        connectors=None,
        # An endpoint nothing listens on: signing in would fail with another message.
        cloud_environment="https://127.0.0.1:9",
    )
    with pytest.raises(SentinelError, match="connector_id must be a GUID"):
        sentinel_runner.data_connector(params, check_mode=False, with_diff=False)


# --- the S3 connector (AmazonWebServicesS3) -------------------------------------------------------------

S3_ARN = "arn:aws:iam::123456789012:role/OIDC_MicrosoftSentinelS3Role"
QUEUE = "https://sqs.us-east-1.amazonaws.com/123456789012/sentinel-aws-cloudtrail"


def s3_spec(**changes):
    values = dict(kind=S3_KIND, role_arn=S3_ARN, sqs_urls=[QUEUE], destination_table="AWSCloudTrail")
    values.update(changes)
    return spec(**values)


def test_s3_create_then_converged_then_queue_update():
    api = FakeApi()
    created = sentinel_runner.ensure_present(api, s3_spec(), check_mode=False)
    derived = derive_connector_id(S3_KIND, S3_ARN, "AWSCloudTrail")
    assert api.writes() == [("put_connector", derived, S3_ARN, True, None)]
    assert api.connectors[derived]["sqs_urls"] == [QUEUE]
    assert created["diff"]["after"]["destination_table"] == "AWSCloudTrail"

    api.calls.clear()
    converged = sentinel_runner.ensure_present(api, s3_spec(), check_mode=False)
    assert not converged["changed"] and api.calls == [("list_connectors",)]

    second = QUEUE + "-2"
    updated = sentinel_runner.ensure_present(api, s3_spec(sqs_urls=[QUEUE, second]), check_mode=False)
    assert updated["changed"] and api.connectors[derived]["sqs_urls"] == [QUEUE, second]
    assert api.writes()[-1][1] == derived and api.writes()[-1][4].startswith("etag-")


def test_s3_absent_removes_only_the_connector_of_its_table():
    api = FakeApi()
    sentinel_runner.ensure_present(api, s3_spec(), check_mode=False)
    sentinel_runner.ensure_present(api, s3_spec(destination_table="AWSVPCFlow"), check_mode=False)
    removed = sentinel_runner.ensure_absent(api, s3_spec(state="absent", sqs_urls=None), check_mode=False)
    assert removed["changed"] and [c["destination_table"] for c in api.connectors.values()] == ["AWSVPCFlow"]


@pytest.mark.parametrize(
    "changes, message",
    [
        (dict(sqs_urls=None), "sqs_urls must list at least one SQS queue URL for kind AmazonWebServicesS3"),
        (dict(destination_table=None), "destination_table is required for kind AmazonWebServicesS3"),
        (dict(destination_table="AWSWAF"), "destination_table must be one of"),
        (dict(sqs_urls=["not a url"]), "sqs_urls items must be SQS queue URLs"),
        (dict(aws_role_arn="arn:aws-cn:iam::123456789012:role/OIDC_x"), "aws_role_arn is in partition 'aws-cn'"),
        (
            dict(state="absent", sqs_urls=None, destination_table=None),
            "destination_table is required .* with aws_role_arn",
        ),
        (dict(kind=CLOUDTRAIL_KIND), "sqs_urls and destination_table apply only to kind AmazonWebServicesS3"),
    ],
)
def test_s3_bad_input_names_the_option(changes, message):
    params = dict(
        workspace_name="law-sentinel",
        resource_group="rg-sentinel",
        workspace_resource_id=None,
        kind=S3_KIND,
        aws_role_arn=S3_ARN,
        connector_id=None,
        logs_enabled=True,
        ensure_sentinel=False,
        wait_timeout=60,
        state="present",
        sqs_urls=[QUEUE],
        destination_table="AWSCloudTrail",
    )
    params.update(changes)
    with pytest.raises(InvalidInput, match=message):
        sentinel_runner.connector_spec(params)


def test_s3_absent_by_connector_id_needs_no_table():
    params = dict(
        workspace_name="law-sentinel",
        resource_group="rg-sentinel",
        workspace_resource_id=None,
        kind=S3_KIND,
        aws_role_arn=None,
        connector_id=LEFTOVER_ID,
        logs_enabled=True,
        ensure_sentinel=False,
        wait_timeout=60,
        state="absent",
        sqs_urls=None,
        destination_table=None,
    )
    assert sentinel_runner.connector_spec(params)["destination_table"] is None


def test_s3_refusal_past_wait_timeout_points_at_the_web_identity_trust():
    api = FakeApi(put_errors=[refusal(400, "cannot sign in")] * 2)
    with pytest.raises(SentinelError) as failed:
        sentinel_runner.ensure_present(api, s3_spec(wait_timeout=0), check_mode=False, sleep=Waits())
    assert "sts:AssumeRoleWithWebIdentity" in failed.value.msg and "ExternalId" not in failed.value.msg


# --- several connectors in one run (data_connector's connectors option) ----------------------------

OTHER_DERIVED_ID = derive_connector_id(CLOUDTRAIL_KIND, OTHER_ACCOUNT_ROLE_ARN)


def test_several_connectors_are_converged_from_one_read_of_the_list():
    converged = connector(DERIVED_ID)
    api = FakeApi([converged])
    specs = [spec(), spec(role_arn=OTHER_ACCOUNT_ROLE_ARN, logs_enabled=False)]
    results = sentinel_runner.ensure_present_each(api, specs, check_mode=False)
    assert api.calls == [("list_connectors",), ("put_connector", OTHER_DERIVED_ID, OTHER_ACCOUNT_ROLE_ARN, False, None)]
    assert [(r["aws_role_arn"], r["changed"], r["failed"], r["msg"]) for r in results] == [
        (ROLE_ARN, False, False, ""),
        (OTHER_ACCOUNT_ROLE_ARN, True, False, ""),
    ]
    assert results[1]["connector"] == api.connectors[OTHER_DERIVED_ID]


def test_one_failing_connector_does_not_stop_the_others():
    api = FakeApi(put_errors=[refusal(403, "AuthorizationFailed")])
    specs = [spec(), spec(role_arn=OTHER_ACCOUNT_ROLE_ARN)]
    results = sentinel_runner.ensure_present_each(api, specs, check_mode=False, sleep=Waits())
    assert [(r["failed"], r["changed"]) for r in results] == [(True, False), (False, True)]
    assert "AuthorizationFailed" in results[0]["msg"] and results[0]["connector"] == {}
    assert list(api.connectors) == [OTHER_DERIVED_ID]


def test_an_id_given_twice_is_refused_for_the_second_as_sentinel_would():
    api = FakeApi()
    specs = [spec(connector_id=LEFTOVER_ID), spec(role_arn=OTHER_ACCOUNT_ROLE_ARN, connector_id=LEFTOVER_ID)]
    results = sentinel_runner.ensure_present_each(api, specs, check_mode=True)
    assert [r["failed"] for r in results] == [False, True]
    assert LEFTOVER_ID in results[1]["msg"] and api.writes() == []


def test_check_mode_with_several_connectors_writes_nothing():
    api = FakeApi()
    results = sentinel_runner.ensure_present_each(api, [spec(), spec(role_arn=OTHER_ACCOUNT_ROLE_ARN)], True)
    assert api.writes() == [] and [r["changed"] for r in results] == [True, True]


def connectors_params(elements, **changes):
    params = dict(
        workspace_name="law-sentinel",
        resource_group="rg-sentinel",
        subscription_id=None,
        workspace_resource_id=None,
        kind=CLOUDTRAIL_KIND,
        aws_role_arn=None,
        connector_id=None,
        sqs_urls=None,
        destination_table=None,
        logs_enabled=True,
        ensure_sentinel=False,
        wait_timeout=60,
        state="present",
        connectors=elements,
    )
    params.update(changes)
    return params


def element(role_arn=ROLE_ARN, connector_id=None, logs_enabled=None):
    return dict(aws_role_arn=role_arn, connector_id=connector_id, logs_enabled=logs_enabled)


def test_each_element_takes_the_modules_logs_enabled_unless_it_gives_its_own():
    specs = sentinel_runner.connector_specs(
        connectors_params([element(), element(OTHER_ACCOUNT_ROLE_ARN, logs_enabled=True)], logs_enabled=False)
    )
    assert [(s["role_arn"], s["logs_enabled"]) for s in specs] == [(ROLE_ARN, False), (OTHER_ACCOUNT_ROLE_ARN, True)]


@pytest.mark.parametrize(
    "elements,changes,message",
    [
        ([element("arn:aws:iam::12345:role/x")], {}, "connectors[0]: "),
        ([element(), element(connector_id="not-a-guid")], {}, "connectors[1]: connector_id"),
        ([element(), element(ROLE_ARN.replace("MicrosoftSentinelRole", "MICROSOFTSENTINELROLE"))], {}, "listed twice"),
        ([element()], {"state": "absent"}, "state present only"),
        ([], {}, "at least one"),
    ],
)
def test_bad_connectors_fail_before_any_call(elements, changes, message):
    with pytest.raises(InvalidInput, match=re.escape(message)):
        sentinel_runner.connector_specs(connectors_params(elements, **changes))
