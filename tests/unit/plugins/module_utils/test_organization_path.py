"""organization: the pure half of cloudtrail_organization (inputs, the role from one IAM read, results, pacing, threads)."""

from __future__ import absolute_import, division, print_function
from __future__ import annotations

__metaclass__ = type

import threading
import time

import pytest

from ansible_collections.sentinel.aws.plugins.module_utils import iam_role
from ansible_collections.sentinel.aws.plugins.module_utils import organization
from ansible_collections.sentinel.aws.plugins.module_utils.sentinel import CLOUDTRAIL_KIND, S3_KIND
from ansible_collections.sentinel.aws.plugins.module_utils.validation import InvalidInput

WS = "6f5e4d3c-0000-4000-8000-0000000051a1"
A, B = "111111111111", "222222222222"
ROLE_A = "arn:aws:iam::%s:role/MicrosoftSentinelRole" % A
TRUST = {
    "Version": "2012-10-17",
    "Statement": [
        {
            "Effect": "Allow",
            "Principal": {"AWS": "arn:aws:iam::197857026523:root"},
            "Action": "sts:AssumeRole",
            "Condition": {"StringEquals": {"sts:ExternalId": WS}},
        }
    ],
}


def module_params(**changes):
    params = dict(
        accounts=[A, B],
        state="present",
        assume_role_name="OrganizationAccountAccessRole",
        assume_role_arn=None,
        assume_role_external_id=None,
        assume_role_session_name="sentinel-aws",
        role_name="MicrosoftSentinelRole",
        role_path="/",
        role_description=None,
        role_tags=None,
        purge_tags=True,
        managed_policies=["AWSCloudTrail_ReadOnlyAccess"],
        microsoft_account_id="197857026523",
        take_over=False,
        external_id=None,
        logs_enabled=True,
        wait_timeout=60,
    )
    params.update(changes)
    return params


# --- inputs ----------------------------------------------------------------------------------------


def test_accounts_keep_their_order_and_collapse_duplicates():
    assert organization.check_accounts([B, A, B, "000000000001"]) == [B, A, "000000000001"]


@pytest.mark.parametrize("bad", ["12345678901", "1234567890123", "12345678901a", "", None])
def test_a_bad_account_id_names_accounts_and_the_value(bad):
    with pytest.raises(InvalidInput) as error:
        organization.check_accounts([A, bad])
    assert str(error.value) == "accounts must be an AWS account ID of exactly 12 digits, got %r" % bad


@pytest.mark.parametrize("value", [0, 65, -1])
def test_concurrency_is_1_to_64(value):
    with pytest.raises(InvalidInput, match="^concurrency must be 1 to 64 accounts at once, got %d$" % value):
        organization.check_concurrency(value)
    assert organization.check_concurrency(64) == 64


@pytest.mark.parametrize("value", [0, -1.0, 200.5])
def test_writes_per_second_is_above_0_and_at_most_arms_bucket(value):
    with pytest.raises(InvalidInput, match="^azure_writes_per_second must be more than 0 and at most 200"):
        organization.check_writes_per_second(value)
    assert organization.check_writes_per_second(0.5) == 0.5


def test_a_role_name_is_assumed_in_each_account():
    requests = organization.assume_role_requests(module_params(assume_role_external_id="ext-secret"), [A, B], "aws")
    assert requests == {
        account: {
            "RoleArn": "arn:aws:iam::%s:role/OrganizationAccountAccessRole" % account,
            "RoleSessionName": "sentinel-aws",
            "ExternalId": "ext-secret",
        }
        for account in (A, B)
    }


def test_an_arn_template_gets_each_account_id():
    template = "arn:aws:iam::{account_id}:role/automation/SocOnboarding"
    params = module_params(assume_role_name=None, assume_role_arn=template)
    requests = organization.assume_role_requests(params, [A, B], "aws")
    assert [requests[a]["RoleArn"] for a in (A, B)] == [
        "arn:aws:iam::%s:role/automation/SocOnboarding" % a for a in (A, B)
    ]


@pytest.mark.parametrize(
    ("changes", "message"),
    [
        (
            {"assume_role_name": None, "assume_role_arn": "arn:aws:iam::%s:role/Hub" % A},
            "assume_role_arn must contain {account_id} where each account's ID goes",
        ),
        ({"assume_role_name": None}, "one of assume_role_name or assume_role_arn is required"),
        ({"assume_role_name": None, "assume_role_arn": "arn:aws:iam::{account_id}:user/x"}, "assume_role_arn must be"),
        ({"assume_role_name": "bad name!"}, "assume_role_name must be"),
        ({"assume_role_session_name": "s"}, "assume_role_session_name must be 2 to 64"),
        ({"assume_role_external_id": "has spaces in it"}, "assume_role_external_id must be 2 to 1224"),
    ],
)
def test_bad_hub_options_name_the_option(changes, message):
    with pytest.raises(InvalidInput) as error:
        organization.assume_role_requests(module_params(**changes), [A, B], "aws")
    assert message in str(error.value)
    assert "has spaces in it" not in str(error.value)  # an external ID is never shown


def test_external_id_is_the_workspaces_own():
    assert organization.check_external_id(None, WS.upper()) == WS
    assert organization.check_external_id(WS.upper(), WS) == WS
    with pytest.raises(InvalidInput, match="^external_id 2c5c6f7a-0b1d-4e8f-9a3b-5d6e7f8a9b0c is not the ID"):
        organization.check_external_id("2c5c6f7a-0b1d-4e8f-9a3b-5d6e7f8a9b0c", WS)
    with pytest.raises(InvalidInput, match="^external_id must be a GUID"):
        organization.check_external_id("not-a-guid", WS)


def test_role_params_make_connector_roles_spec():
    params = module_params(role_tags={"owner": "soc"}, role_path="/sentinel/", role_description="SOC")
    spec, warnings = iam_role.role_spec(organization.role_params(params, WS), "aws")
    assert warnings == []
    assert (spec["name"], spec["path"], spec["description"], spec["external_id"]) == (
        "MicrosoftSentinelRole",
        "/sentinel/",
        "SOC",
        WS,
    )
    assert spec["tags"] == {"owner": "soc", iam_role.MARKER_TAG_KEY: iam_role.MARKER_TAG_VALUE}
    assert spec["managed_policies"] == ["arn:aws:iam::aws:policy/AWSCloudTrail_ReadOnlyAccess"]
    assert spec["trust_policy"] == iam_role.ExternalIdTrust("197857026523", "aws", WS, False).build([WS])


def test_the_azure_budget_covers_a_wait_per_round_of_accounts_and_the_paced_writes():
    assert organization.azure_time_budget(60, 30, accounts=25, concurrency=10, rate=5.0) == 60 * 3 + 5
    assert organization.azure_time_budget(0, 30, accounts=0, concurrency=10, rate=5.0) == 30


# --- the role, from iam:GetAccountAuthorizationDetails -------------------------------------------------


def role_detail(name="MicrosoftSentinelRole"):
    """A RoleDetail as IAM (and moto 5.2.5) answer it."""
    return {
        "Path": "/",
        "RoleName": name,
        "RoleId": "AROAEXAMPLE",
        "Arn": "arn:aws:iam::%s:role/%s" % (A, name),
        "AssumeRolePolicyDocument": TRUST,
        "InstanceProfileList": [{"InstanceProfileName": "ip", "Roles": []}],
        "RolePolicyList": [{"PolicyName": "extra", "PolicyDocument": {}}],
        "AttachedManagedPolicies": [
            {
                "PolicyName": "AWSCloudTrail_ReadOnlyAccess",
                "PolicyArn": iam_role.policy_arn(iam_role.DEFAULT_POLICY, "aws"),
            }
        ],
        "Tags": [{"Key": iam_role.MARKER_TAG_KEY, "Value": "true"}],
        "RoleLastUsed": {},
    }


def test_the_role_is_found_by_name_whatever_its_case():
    other, ours = role_detail("Other"), role_detail()
    assert organization.role_details([other, ours], "microsoftsentinelrole") is ours
    assert organization.role_details([other], "MicrosoftSentinelRole") is None


def test_a_role_detail_gives_what_role_view_needs():
    details = role_detail()
    lists = organization.role_lists(details)
    assert lists == {
        "attached": ["arn:aws:iam::aws:policy/AWSCloudTrail_ReadOnlyAccess"],
        "inline": ["extra"],
        "profiles": ["ip"],
    }
    trust = iam_role.ExternalIdTrust("197857026523", "aws", WS, False)
    view = iam_role.role_view(organization.role_from_details(details), lists["attached"], lists["inline"], trust)
    assert view["external_ids"] == [WS]
    assert view["tags"] == {iam_role.MARKER_TAG_KEY: "true"}
    assert view["inline_policies"] == ["extra"]
    # A RoleDetail has neither: they are read with GetRole only when compared.
    assert view["description"] is None and view["max_session_duration"] is None


# --- the connector ---------------------------------------------------------------------------------


def connector(name, role_arn, kind=CLOUDTRAIL_KIND):
    return dict(name=name, kind=kind, aws_role_arn=role_arn, logs_enabled=True)


def test_another_role_of_the_account_holding_a_connector_is_refused():
    old = connector("c-old", "arn:aws:iam::%s:role/OldSentinelRole" % A)
    message = organization.other_role_connector([old], ROLE_A)
    assert message.startswith(
        "connector c-old already reads AWS account %s through role arn:aws:iam::%s:role/OldSentinelRole; "
        "nothing was changed" % (A, A)
    )


@pytest.mark.parametrize(
    "listed",
    [
        [connector("c-ours", ROLE_A.upper().replace("ARN:AWS:IAM", "arn:aws:iam"))],  # ours, in another case
        [connector("c-b", "arn:aws:iam::%s:role/OldSentinelRole" % B)],  # another account's
        [connector("c-s3", "arn:aws:iam::%s:role/OIDC_S3" % A, kind=S3_KIND)],  # the S3 connector reads other logs
        [],
    ],
)
def test_the_accounts_own_connector_or_others_are_no_refusal(listed):
    assert organization.other_role_connector(listed, ROLE_A) is None


def test_connector_spec_is_data_connectors_for_the_cloudtrail_kind():
    spec = organization.connector_spec(ROLE_A, module_params(logs_enabled=False, wait_timeout=5))
    assert spec["kind"] == CLOUDTRAIL_KIND and spec["role_arn"] == ROLE_A
    assert (spec["logs_enabled"], spec["wait_timeout"], spec["connector_id"], spec["ensure_sentinel"]) == (
        False,
        5,
        None,
        False,
    )


# --- results -----------------------------------------------------------------------------------------


@pytest.mark.parametrize(
    ("ownership", "connector_before", "changed", "outcome"),
    [
        ("created", {}, True, "created"),
        ("managed", {}, True, "created"),  # a role was there, the connector is new: newly onboarded
        ("adopted", {"name": "c"}, True, "updated"),
        ("managed", {"name": "c"}, False, "unchanged"),
    ],
)
def test_present_outcomes(ownership, connector_before, changed, outcome):
    assert organization.present_outcome(ownership, connector_before, changed) == outcome


def test_absent_outcomes():
    assert (organization.absent_outcome(True), organization.absent_outcome(False)) == ("removed", "absent")


def results():
    return [
        organization.account_result(A, "created", True, ROLE_A, "created", "c-a"),
        organization.account_result(B, "failed", reason="role MicrosoftSentinelRole is not a Sentinel role"),
        organization.account_result("333333333333", "unchanged", False),
        organization.account_result("444444444444", "failed", True, reason="Sentinel refused the connector"),
    ]


def test_the_summary_counts_each_outcome_and_the_changed_accounts():
    assert organization.summary(results()) == dict(
        total=4, changed=2, failed=2, created=1, updated=0, unchanged=1, removed=0, absent=0
    )
    assert organization.summary([]) == dict.fromkeys(organization.SUMMARY_KEYS, 0)


def test_the_failure_message_names_each_failed_account_and_its_reason():
    assert organization.failure_message(results()) == (
        "2 of 4 accounts failed: 222222222222: role MicrosoftSentinelRole is not a Sentinel role; "
        "444444444444: Sentinel refused the connector"
    )
    assert organization.failure_message(results()[:1]) is None


def test_the_diff_is_keyed_by_account_and_shows_only_accounts_that_change():
    diffs = {
        A: {"before": {"role": {}}, "after": {"role": {"path": "/"}}},
        "333333333333": {"before": {"role": {"path": "/"}}, "after": {"role": {"path": "/"}}},
    }
    assert organization.run_diff(diffs, results()) == {
        "before": {A: {"role": {}}},
        "after": {A: {"role": {"path": "/"}}},
    }


# --- pacing and threads ---------------------------------------------------------------------------


class FakeClock:
    def __init__(self):
        self.now = 100.0
        self.slept = []

    def __call__(self):
        return self.now

    def sleep(self, seconds):
        self.slept.append(seconds)


def test_the_pacer_lets_a_burst_through_then_spaces_the_writes_at_its_rate():
    clock = FakeClock()
    pacer = organization.WritePacer(2.0, burst=2, clock=clock, sleep=clock.sleep)
    assert [pacer.wait() for index in range(5)] == [0.0, 0.0, 0.5, 1.0, 1.5]
    assert clock.slept == [0.5, 1.0, 1.5]


def test_the_pacer_refills_with_time_up_to_its_burst():
    clock = FakeClock()
    pacer = organization.WritePacer(5.0, clock=clock, sleep=clock.sleep)  # burst: one second's worth
    assert [pacer.wait() for index in range(5)] == [0.0] * 5
    clock.now += 10  # long idle: the bucket holds 5, not 50
    assert [pacer.wait() for index in range(6)] == [0.0] * 5 + [0.2]


def test_threads_waiting_on_the_pacer_each_get_their_own_slot():
    clock = FakeClock()
    pacer = organization.WritePacer(4.0, burst=1, clock=clock, sleep=clock.sleep)
    waits = []
    lock = threading.Lock()

    def write():
        delay = pacer.wait()
        with lock:
            waits.append(delay)

    threads = [threading.Thread(target=write) for index in range(8)]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join()
    assert sorted(waits) == [0.0, 0.25, 0.5, 0.75, 1.0, 1.25, 1.5, 1.75]


def test_a_429_stops_every_new_write_for_its_retry_after_and_halves_the_pace():
    clock = FakeClock()
    pacer = organization.WritePacer(4.0, burst=4, clock=clock, sleep=clock.sleep)
    assert [pacer.wait() for index in range(4)] == [0.0] * 4
    pacer.throttled(3.0)
    assert pacer.rate == 2.0
    # The bucket is empty and no write may go for 3 s; after that the writes come 0.5 s apart.
    assert pacer.wait() == 3.5
    clock.now += 3.5
    assert pacer.wait() == 0.5  # no token came during the stop: one since, taken by the write before
    pacer.throttled(1.0)
    pacer.throttled(1.0)
    assert pacer.rate == 0.5  # halved twice
    pacer.throttled(1.0)
    assert pacer.rate == 0.5  # never below the floor


def test_writes_that_succeed_give_the_pace_back_step_by_step_up_to_the_one_given():
    clock = FakeClock()
    pacer = organization.WritePacer(10.0, clock=clock, sleep=clock.sleep)
    pacer.throttled(1.0)
    assert pacer.rate == 5.0
    pacer.succeeded()
    assert pacer.rate == 5.5
    for _step in range(20):
        pacer.succeeded()
    assert pacer.rate == 10.0


def test_a_write_answered_429_waits_for_the_pause_then_its_turn():
    clock = FakeClock()
    pacer = organization.WritePacer(4.0, burst=1, clock=clock, sleep=clock.sleep)
    assert pacer.wait() == 0.0
    assert pacer.retry_throttled(2.0) == 2.5  # the stop, then its token at the halved pace
    assert pacer.rate == 2.0
    assert pacer.wait() == 3.0  # a new write after it waits for the stop and its own turn


def test_a_pace_below_the_floor_is_kept_as_given():
    clock = FakeClock()
    pacer = organization.WritePacer(0.2, clock=clock, sleep=clock.sleep)
    pacer.throttled(1.0)
    assert pacer.rate == 0.2


def test_run_each_keeps_the_order_and_at_most_concurrency_in_flight():
    in_flight, most = [0], [0]
    lock = threading.Lock()

    def work(item):
        with lock:
            in_flight[0] += 1
            most[0] = max(most[0], in_flight[0])
        time.sleep(0.01 * (5 - item % 5))  # later items finish first
        with lock:
            in_flight[0] -= 1
        return {"item": item}

    assert organization.run_each(list(range(12)), work, concurrency=3) == [{"item": i} for i in range(12)]
    assert most[0] == 3


def test_one_failing_item_never_stops_the_others():
    def work(item):
        if item == 2:
            raise RuntimeError("boom")
        return {"item": item}

    def failed(item, error):
        return {"item": item, "failed": str(error)}

    results = organization.run_each([1, 2, 3], organization.isolated(work, failed), concurrency=2)
    assert results == [{"item": 1}, {"item": 2, "failed": "boom"}, {"item": 3}]


@pytest.mark.parametrize(
    ("changes", "message"),
    [
        ({"role_name": "bad name!"}, "role_name must be"),
        ({"role_path": "no-slashes"}, "role_path must"),
        ({"role_tags": {"": "empty key"}}, "role_tags"),
        ({"role_description": "\x07"}, "role_description"),
    ],
)
def test_bad_role_options_name_this_modules_option(changes, message):
    with pytest.raises(InvalidInput) as error:
        organization.check_role_options(module_params(**changes))
    assert str(error.value).startswith(message)
