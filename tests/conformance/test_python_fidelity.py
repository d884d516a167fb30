"""Behaviour Google documents and the workflow relies on, checked through
Google's Python clients (REST transport): stale secret and version etags
answer 400 FAILED_PRECONDITION (only IAM policy etags are 409 ABORTED);
version lists filter on create_time and state; Artifact Registry lists a
project's locations.
"""

from __future__ import annotations

import pytest
from google.api_core import exceptions
from google.cloud import secretmanager_v1

from conftest import LOCATION, PROJECT_ID, crc32c

PARENT = f"projects/{PROJECT_ID}"
State = secretmanager_v1.SecretVersion.State
STALE_ETAG = '"stale"'


def error_status(err: exceptions.GoogleAPICallError) -> str:
    """The google.rpc.Status code name the emulator put in the body."""
    return err.response.json()["error"]["status"]


def create_secret(client, secret_id: str):
    return client.create_secret(
        request={
            "parent": PARENT,
            "secret_id": secret_id,
            "secret": {"replication": {"automatic": {}}},
        }
    )


def add_version(client, secret_name: str, data: bytes):
    return client.add_secret_version(
        request={"parent": secret_name, "payload": {"data": data, "data_crc32c": crc32c(data)}}
    )


def test_version_transitions_check_etag(secret_client):
    secret = create_secret(secret_client, "py-version-etag")
    version = add_version(secret_client, secret.name, b"pypi-version-etag")
    with pytest.raises(exceptions.BadRequest) as err:
        secret_client.disable_secret_version(
            request={"name": version.name, "etag": STALE_ETAG}
        )
    assert error_status(err.value) == "FAILED_PRECONDITION"
    assert secret_client.get_secret_version(name=version.name).state == State.ENABLED

    disabled = secret_client.disable_secret_version(
        request={"name": version.name, "etag": version.etag}
    )
    assert disabled.state == State.DISABLED
    assert disabled.etag != version.etag
    with pytest.raises(exceptions.BadRequest) as err:
        secret_client.destroy_secret_version(
            request={"name": version.name, "etag": version.etag}
        )
    assert error_status(err.value) == "FAILED_PRECONDITION"
    destroyed = secret_client.destroy_secret_version(
        request={"name": version.name, "etag": disabled.etag}
    )
    assert destroyed.state == State.DESTROYED


def test_secret_delete_checks_etag(secret_client):
    secret = create_secret(secret_client, "py-delete-etag")
    with pytest.raises(exceptions.BadRequest) as err:
        secret_client.delete_secret(request={"name": secret.name, "etag": STALE_ETAG})
    assert error_status(err.value) == "FAILED_PRECONDITION"
    assert secret_client.get_secret(name=secret.name).name == secret.name

    secret_client.delete_secret(request={"name": secret.name, "etag": secret.etag})
    with pytest.raises(exceptions.NotFound):
        secret_client.get_secret(name=secret.name)


def test_version_list_filters_on_create_time_and_state(secret_client):
    secret = create_secret(secret_client, "py-version-filter")
    payloads = [f"pypi-filter-{n}".encode() for n in range(3)]
    versions = [add_version(secret_client, secret.name, data) for data in payloads]
    times = [v.create_time for v in versions]
    assert times == sorted(times) and len(set(times)) == len(times), times
    secret_client.disable_secret_version(request={"name": versions[2].name})

    cut = versions[0].create_time.rfc3339()
    listed = secret_client.list_secret_versions(
        request={"parent": secret.name, "filter": f'create_time>"{cut}" AND state:ENABLED'}
    )
    assert [v.name for v in listed] == [versions[1].name]
    access = secret_client.access_secret_version(name=versions[1].name)
    assert access.payload.data_crc32c == crc32c(payloads[1])


def test_locations_list_pages_through_the_mixin(registry_client):
    first = registry_client.list_locations(request={"name": PARENT, "page_size": 4})
    ids = [location.location_id for location in first.locations]
    assert len(ids) == 4 and first.next_page_token
    rest = registry_client.list_locations(
        request={"name": PARENT, "page_token": first.next_page_token}
    )
    ids += [location.location_id for location in rest.locations]
    assert not rest.next_page_token
    assert LOCATION in ids and {"us", "europe", "asia"} <= set(ids)
    assert len(ids) == len(set(ids)), ids
    named = {location.name for location in first.locations}
    assert all(name.startswith(f"{PARENT}/locations/") for name in named)
