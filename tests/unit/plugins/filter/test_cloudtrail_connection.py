"""The role's module_defaults: connection keys as the modules name them, nothing of a refused dictionary."""

from __future__ import absolute_import, division, print_function
from __future__ import annotations

__metaclass__ = type

import pytest

from ansible_collections.sentinel.aws.plugins.filter.cloudtrail_connection import FilterModule

connection = FilterModule().filters()["cloudtrail_connection"]


def test_natural_spellings_reach_the_modules_under_their_option_names():
    given = {"aws_access_key_id": "AKIA", "aws_secret_access_key": "s", "aws_session_token": "t", "profile": "p"}
    assert connection(given, "aws") == {"access_key": "AKIA", "secret_key": "s", "session_token": "t", "profile": "p"}
    assert connection({"client_secret": "s", "tenant_id": "t", "client_id": "c"}, "azure") == {
        "secret": "s",
        "tenant": "t",
        "client_id": "c",
        "token_cache": True,
    }


@pytest.mark.parametrize(
    "given, cloud",
    [
        ({"client_id": "c", "client_secrt": "CANARY"}, "azure"),  # the known key goes too: nothing of it is used
        ({"secret": "CANARY", "client_secret": "CANARY"}, "azure"),
        ({"region": "eu-west-1", "secret_access_key": "CANARY"}, "aws"),
        ("secret=CANARY", "aws"),
    ],
)
def test_a_refused_dictionary_gives_the_modules_nothing(given, cloud):
    # The shared reads run with the module_defaults of the batch's first host, which may be this one.
    assert connection(given, cloud) == {}


def test_an_empty_or_missing_dictionary_gives_nothing_but_the_azure_token_cache():
    assert connection({}, "aws") == {} and connection(None, "azure") == {"token_cache": True}


def test_the_roles_azure_tasks_share_the_token_cache_unless_the_connection_turns_it_off():
    assert connection({"client_id": "c"}, "azure")["token_cache"] is True
    assert connection({"token_cache": False}, "azure") == {"token_cache": False}
    assert connection({"token_cache_dir": "/srv/cache"}, "azure") == {
        "token_cache": True,
        "token_cache_dir": "/srv/cache",
    }
    assert "token_cache" not in connection({"region": "eu-west-1"}, "aws")
