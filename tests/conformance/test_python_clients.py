"""Google's PyPI client libraries (REST transport) against the emulator.

`google-cloud-secret-manager` and `google-cloud-artifact-registry` send
`$alt=json;enum-encoding=int`, enums as integers and int64 as strings; they
map errors to exception classes by HTTP status. Everything a provider does
in the workflow (create, read, update, rotate, destroy) goes through them.
"""

from __future__ import annotations

import pytest
from google.api_core import exceptions
from google.cloud import artifactregistry_v1, secretmanager_v1
from google.iam.v1 import policy_pb2
from google.protobuf import field_mask_pb2
from google.type import expr_pb2

from conftest import (
    ACCESSOR_ROLE,
    LOCATION,
    PROJECT_ID,
    PROJECT_NUMBER,
    PYPI_TOKEN,
    PYPI_TOKEN_CRC32C,
    SERVICE_AGENT,
    crc32c,
)

Repository = artifactregistry_v1.Repository
RemoteConfig = artifactregistry_v1.RemoteRepositoryConfig
Credentials = RemoteConfig.UpstreamCredentials
UserPass = Credentials.UsernamePasswordCredentials

PARENT = f"projects/{PROJECT_ID}"
REPOSITORY_ID = "pypi-remote-python"
REPOSITORY_NAME = f"projects/{PROJECT_ID}/locations/{LOCATION}/repositories/{REPOSITORY_ID}"
ROTATED_TOKEN = b"pypi-AgEIcHlwaS5vcmcROTATED"
LEAF_PATHS = [
    "remote_repository_config.upstream_credentials.username_password_credentials.username",
    "remote_repository_config.upstream_credentials.username_password_credentials.password_secret_version",
]


def error_status(err: exceptions.GoogleAPICallError) -> str:
    """The google.rpc.Status code name the emulator put in the body."""
    return err.response.json()["error"]["status"]


def new_secret(client, secret_id: str, grant_agent: bool = True) -> str:
    secret = client.create_secret(
        request={
            "parent": PARENT,
            "secret_id": secret_id,
            "secret": {"replication": {"automatic": {}}, "labels": {"team": "platform"}},
        }
    )
    if grant_agent:
        policy = client.get_iam_policy(
            request={"resource": secret.name, "options": {"requested_policy_version": 3}}
        )
        policy.bindings.add(role=ACCESSOR_ROLE, members=[SERVICE_AGENT])
        client.set_iam_policy(request={"resource": secret.name, "policy": policy})
    return secret.name


def add_version(client, secret_name: str, data: bytes):
    return client.add_secret_version(
        request={
            "parent": secret_name,
            "payload": {"data": data, "data_crc32c": crc32c(data)},
        }
    )


def repo_credentials(client) -> UserPass:
    repo = client.get_repository(name=REPOSITORY_NAME)
    return repo.remote_repository_config.upstream_credentials.username_password_credentials


def set_credentials(client, version_name: str, paths: list[str], full_config: bool = False):
    creds = Credentials(
        username_password_credentials=UserPass(
            username="__token__", password_secret_version=version_name
        )
    )
    if full_config:
        # What gcloud does for the parent path: resend the whole config.
        current = client.get_repository(name=REPOSITORY_NAME)
        config = RemoteConfig(current.remote_repository_config)
        config.upstream_credentials = creds
    else:
        config = RemoteConfig(upstream_credentials=creds)
    return client.update_repository(
        repository=Repository(name=REPOSITORY_NAME, remote_repository_config=config),
        update_mask=field_mask_pb2.FieldMask(paths=paths),
    )


@pytest.fixture(scope="module")
def repository(registry_client):
    operation = registry_client.create_repository(
        parent=f"projects/{PROJECT_ID}/locations/{LOCATION}",
        repository_id=REPOSITORY_ID,
        repository=Repository(
            format_=Repository.Format.PYTHON,
            mode=Repository.Mode.REMOTE_REPOSITORY,
            description="PyPI through the Python client",
            remote_repository_config=RemoteConfig(
                description="PyPI",
                python_repository=RemoteConfig.PythonRepository(
                    public_repository=RemoteConfig.PythonRepository.PublicRepository.PYPI
                ),
            ),
        ),
    )
    return operation.result(timeout=60)


def test_create_repository_long_running_operation(repository, registry_client):
    assert repository.name == REPOSITORY_NAME
    assert repository.format_ == Repository.Format.PYTHON
    assert repository.mode == Repository.Mode.REMOTE_REPOSITORY
    got = registry_client.get_repository(name=REPOSITORY_NAME)
    assert got.remote_repository_config.python_repository.public_repository == (
        RemoteConfig.PythonRepository.PublicRepository.PYPI
    )
    listed = registry_client.list_repositories(
        parent=f"projects/{PROJECT_ID}/locations/{LOCATION}"
    )
    assert REPOSITORY_NAME in [r.name for r in listed]


def test_secret_create_add_access_with_crc(secret_client):
    name = new_secret(secret_client, "py-create-access", grant_agent=False)
    assert name == f"projects/{PROJECT_NUMBER}/secrets/py-create-access"
    secret = secret_client.get_secret(name=f"projects/{PROJECT_ID}/secrets/py-create-access")
    assert secret.name == name
    assert secret.labels["team"] == "platform"
    assert secret.replication.automatic is not None
    assert secret.create_time.timestamp() > 0

    version = add_version(secret_client, name, PYPI_TOKEN)
    assert version.name == f"{name}/versions/1"
    assert version.state == secretmanager_v1.SecretVersion.State.ENABLED
    assert version.client_specified_payload_checksum is True

    accessed = secret_client.access_secret_version(name=f"{name}/versions/1")
    assert accessed.name == f"{name}/versions/1"
    assert accessed.payload.data == PYPI_TOKEN
    assert accessed.payload.data_crc32c == PYPI_TOKEN_CRC32C

    latest = secret_client.access_secret_version(name=f"{name}/versions/latest")
    assert latest.payload.data == PYPI_TOKEN
    assert latest.name == f"{name}/versions/1"

    listed = list(secret_client.list_secrets(request={"parent": PARENT}))
    assert name in [s.name for s in listed]


def test_add_version_with_wrong_crc_is_rejected(secret_client):
    name = new_secret(secret_client, "py-bad-crc", grant_agent=False)
    with pytest.raises(exceptions.BadRequest) as err:
        secret_client.add_secret_version(
            request={
                "parent": name,
                "payload": {"data": PYPI_TOKEN, "data_crc32c": PYPI_TOKEN_CRC32C ^ 1},
            }
        )
    assert error_status(err.value) == "INVALID_ARGUMENT"
    versions = list(secret_client.list_secret_versions(request={"parent": name}))
    assert versions == []


def test_iam_policy_etag_read_modify_write(secret_client):
    name = new_secret(secret_client, "py-iam", grant_agent=False)
    first = secret_client.get_iam_policy(
        request={"resource": name, "options": {"requested_policy_version": 3}}
    )
    stale = policy_pb2.Policy()
    stale.CopyFrom(first)

    first.bindings.add(role=ACCESSOR_ROLE, members=[SERVICE_AGENT])
    written = secret_client.set_iam_policy(request={"resource": name, "policy": first})
    assert written.etag and written.etag != first.etag
    assert [(b.role, list(b.members)) for b in written.bindings] == [
        (ACCESSOR_ROLE, [SERVICE_AGENT])
    ]

    stale.bindings.add(role="roles/secretmanager.viewer", members=["user:alice@example.com"])
    with pytest.raises(exceptions.Conflict) as err:
        secret_client.set_iam_policy(request={"resource": name, "policy": stale})
    assert err.value.code == 409
    assert error_status(err.value) == "ABORTED"

    now = secret_client.get_iam_policy(
        request={"resource": name, "options": {"requested_policy_version": 3}}
    )
    assert now.etag == written.etag
    assert [(b.role, list(b.members)) for b in now.bindings] == [
        (ACCESSOR_ROLE, [SERVICE_AGENT])
    ]

    held = secret_client.test_iam_permissions(
        request={
            "resource": name,
            "permissions": ["secretmanager.versions.access", "secretmanager.secrets.get"],
        }
    )
    assert sorted(held.permissions) == [
        "secretmanager.secrets.get",
        "secretmanager.versions.access",
    ]


def test_conditional_binding_kept_at_version_3(secret_client):
    name = new_secret(secret_client, "py-iam-conditional", grant_agent=False)
    policy = secret_client.get_iam_policy(
        request={"resource": name, "options": {"requested_policy_version": 3}}
    )
    policy.version = 3
    policy.bindings.add(
        role="roles/secretmanager.viewer",
        members=["user:alice@example.com"],
        condition=expr_pb2.Expr(
            expression='request.time < timestamp("2030-01-01T00:00:00Z")',
            title="until-2030",
        ),
    )
    secret_client.set_iam_policy(request={"resource": name, "policy": policy})
    got = secret_client.get_iam_policy(
        request={"resource": name, "options": {"requested_policy_version": 3}}
    )
    assert got.version == 3
    [binding] = [b for b in got.bindings if b.role == "roles/secretmanager.viewer"]
    assert binding.condition.title == "until-2030"
    assert binding.condition.expression.startswith("request.time <")


@pytest.mark.parametrize(
    "secret_id,paths,full_config",
    [
        pytest.param("py-mask-leaf", LEAF_PATHS, False, id="leaf-paths"),
        pytest.param(
            "py-mask-creds",
            ["remote_repository_config.upstream_credentials"],
            False,
            id="credentials",
        ),
        pytest.param(
            "py-mask-userpass",
            ["remote_repository_config.upstream_credentials.username_password_credentials"],
            False,
            id="username-password-credentials",
        ),
        pytest.param("py-mask-config", ["remote_repository_config"], True, id="whole-config"),
    ],
)
def test_update_upstream_credentials_with_mask(
    repository, secret_client, registry_client, secret_id, paths, full_config
):
    name = new_secret(secret_client, secret_id)
    version = add_version(secret_client, name, PYPI_TOKEN)

    updated = set_credentials(registry_client, version.name, paths, full_config)
    creds = updated.remote_repository_config.upstream_credentials.username_password_credentials
    assert creds.username == "__token__"
    assert creds.password_secret_version.endswith(f"/secrets/{secret_id}/versions/1")
    assert repo_credentials(registry_client).password_secret_version == (
        creds.password_secret_version
    )
    # The upstream itself is untouched by a credentials-only update.
    got = registry_client.get_repository(name=REPOSITORY_NAME)
    assert got.remote_repository_config.python_repository.public_repository == (
        RemoteConfig.PythonRepository.PublicRepository.PYPI
    )
    assert got.format_ == Repository.Format.PYTHON


def test_parent_mask_with_empty_credentials_clears_them(
    repository, secret_client, registry_client
):
    name = new_secret(secret_client, "py-clear")
    version = add_version(secret_client, name, PYPI_TOKEN)
    set_credentials(registry_client, version.name, LEAF_PATHS)
    assert repo_credentials(registry_client).username == "__token__"

    registry_client.update_repository(
        repository=Repository(
            name=REPOSITORY_NAME,
            remote_repository_config=RemoteConfig(upstream_credentials=Credentials()),
        ),
        update_mask=field_mask_pb2.FieldMask(
            paths=["remote_repository_config.upstream_credentials"]
        ),
    )
    creds = repo_credentials(registry_client)
    assert creds.username == ""
    assert creds.password_secret_version == ""


def test_snake_case_mask_on_the_wire(repository, secret_client, api):
    # The Python client camel-cases masks itself; other clients may not.
    name = new_secret(secret_client, "py-snake-mask")
    version = add_version(secret_client, name, PYPI_TOKEN)
    reply = api.call(
        "PATCH",
        f"/v1/{REPOSITORY_NAME}",
        query={"updateMask": "remote_repository_config.upstream_credentials"},
        body={
            "remoteRepositoryConfig": {
                "upstreamCredentials": {
                    "usernamePasswordCredentials": {
                        "username": "__token__",
                        "passwordSecretVersion": version.name,
                    }
                }
            }
        },
    )
    assert reply.status == 200, reply.body
    upc = reply.body["remoteRepositoryConfig"]["upstreamCredentials"]
    assert upc["usernamePasswordCredentials"]["passwordSecretVersion"] == version.name


def test_changing_format_is_invalid_argument(repository, registry_client):
    with pytest.raises(exceptions.BadRequest) as err:
        registry_client.update_repository(
            repository=Repository(name=REPOSITORY_NAME, format_=Repository.Format.DOCKER),
            update_mask=field_mask_pb2.FieldMask(paths=["format"]),
        )
    assert error_status(err.value) == "INVALID_ARGUMENT"
    assert registry_client.get_repository(name=REPOSITORY_NAME).format_ == (
        Repository.Format.PYTHON
    )


def test_upstream_check_requires_agent_access(repository, secret_client, registry_client):
    name = new_secret(secret_client, "py-no-grant", grant_agent=False)
    version = add_version(secret_client, name, PYPI_TOKEN)
    before = repo_credentials(registry_client).password_secret_version
    with pytest.raises(exceptions.BadRequest) as err:
        set_credentials(registry_client, version.name, LEAF_PATHS)
    assert error_status(err.value) == "FAILED_PRECONDITION"
    assert repo_credentials(registry_client).password_secret_version == before

    # disableUpstreamValidation skips the check and is never returned.
    updated = registry_client.update_repository(
        repository=Repository(
            name=REPOSITORY_NAME,
            remote_repository_config=RemoteConfig(
                upstream_credentials=Credentials(
                    username_password_credentials=UserPass(
                        username="__token__", password_secret_version=version.name
                    )
                ),
                disable_upstream_validation=True,
            ),
        ),
        update_mask=field_mask_pb2.FieldMask(paths=LEAF_PATHS),
    )
    assert updated.remote_repository_config.disable_upstream_validation is False
    assert repo_credentials(registry_client).password_secret_version == version.name


def test_rotation_then_destroy_and_delete(repository, secret_client, registry_client):
    name = new_secret(secret_client, "py-rotate")
    v1 = add_version(secret_client, name, PYPI_TOKEN)
    set_credentials(registry_client, v1.name, LEAF_PATHS)

    # Rotate: a new version, repoint the repository, retire the old one.
    v2 = add_version(secret_client, name, ROTATED_TOKEN)
    assert v2.name == f"{name}/versions/2"
    set_credentials(registry_client, v2.name, LEAF_PATHS)
    assert repo_credentials(registry_client).password_secret_version == v2.name

    disabled = secret_client.disable_secret_version(request={"name": v1.name})
    assert disabled.state == secretmanager_v1.SecretVersion.State.DISABLED
    with pytest.raises(exceptions.BadRequest) as err:
        secret_client.access_secret_version(name=v1.name)
    assert error_status(err.value) == "FAILED_PRECONDITION"
    assert PYPI_TOKEN.decode() not in str(err.value)

    # Pointing the repository back at a disabled version is refused.
    with pytest.raises(exceptions.BadRequest) as err:
        set_credentials(registry_client, v1.name, LEAF_PATHS)
    assert error_status(err.value) == "FAILED_PRECONDITION"

    accessed = secret_client.access_secret_version(name=f"{name}/versions/latest")
    assert accessed.payload.data == ROTATED_TOKEN
    assert accessed.payload.data_crc32c == crc32c(ROTATED_TOKEN)

    destroyed = secret_client.destroy_secret_version(request={"name": v1.name})
    assert destroyed.state == secretmanager_v1.SecretVersion.State.DESTROYED
    assert destroyed.destroy_time.timestamp() > 0
    with pytest.raises(exceptions.BadRequest) as err:
        secret_client.enable_secret_version(request={"name": v1.name})
    assert error_status(err.value) == "FAILED_PRECONDITION"

    versions = {
        v.name: v.state
        for v in secret_client.list_secret_versions(request={"parent": name})
    }
    assert versions == {
        v1.name: secretmanager_v1.SecretVersion.State.DESTROYED,
        v2.name: secretmanager_v1.SecretVersion.State.ENABLED,
    }

    secret_client.delete_secret(name=name)
    with pytest.raises(exceptions.NotFound) as err:
        secret_client.get_secret(name=name)
    assert error_status(err.value) == "NOT_FOUND"


def test_errors_map_to_client_exceptions(secret_client, registry_client):
    with pytest.raises(exceptions.NotFound):
        secret_client.get_secret(name=f"{PARENT}/secrets/never-created")
    with pytest.raises(exceptions.NotFound):
        secret_client.access_secret_version(name=f"{PARENT}/secrets/never-created/versions/1")
    with pytest.raises(exceptions.NotFound):
        registry_client.get_repository(
            name=f"projects/{PROJECT_ID}/locations/{LOCATION}/repositories/never-created"
        )
    new_secret(secret_client, "py-duplicate", grant_agent=False)
    with pytest.raises(exceptions.Conflict) as err:
        new_secret(secret_client, "py-duplicate", grant_agent=False)
    assert error_status(err.value) == "ALREADY_EXISTS"
    with pytest.raises(exceptions.BadRequest) as err:
        secret_client.create_secret(
            request={
                "parent": PARENT,
                "secret_id": "not a valid id!",
                "secret": {"replication": {"automatic": {}}},
            }
        )
    assert error_status(err.value) == "INVALID_ARGUMENT"


def test_missing_secret_http_shape(direct_api):
    reply = direct_api.call("GET", f"/v1/{PARENT}/secrets/never-created", query={"alt": "json"})
    assert reply.status == 404
    assert reply.headers.get("content-type", "").startswith("application/json")
    error = reply.body["error"]
    assert error["code"] == 404
    assert error["status"] == "NOT_FOUND"
    assert isinstance(error["message"], str) and error["message"]


def test_no_credentials_is_unauthenticated(direct_api):
    # With anonymous credentials the Python client sends no Authorization
    # header; on a 401 its session then tries to refresh and gives up, so the
    # answer itself is checked on the wire.
    reply = direct_api.call("GET", f"/v1/{PARENT}/secrets/never-created", token=None)
    assert reply.status == 401
    assert reply.body["error"]["code"] == 401
    assert reply.body["error"]["status"] == "UNAUTHENTICATED"


def test_secret_patch_checks_etag(secret_client):
    name = new_secret(secret_client, "py-patch-etag", grant_agent=False)
    secret = secret_client.get_secret(name=name)
    secret.labels["team"] = "security"
    updated = secret_client.update_secret(
        secret=secret, update_mask=field_mask_pb2.FieldMask(paths=["labels"])
    )
    assert updated.labels["team"] == "security"
    assert updated.etag != secret.etag

    secret.labels["team"] = "stale-writer"  # still carries the old etag
    # Secret Manager answers a stale secret etag 400 FAILED_PRECONDITION
    # (only IAM policy etags are 409 ABORTED).
    with pytest.raises(exceptions.BadRequest) as err:
        secret_client.update_secret(
            secret=secret, update_mask=field_mask_pb2.FieldMask(paths=["labels"])
        )
    assert error_status(err.value) == "FAILED_PRECONDITION"
    assert secret_client.get_secret(name=name).labels["team"] == "security"


def test_user_managed_replication_is_kept(secret_client):
    secret = secret_client.create_secret(
        request={
            "parent": PARENT,
            "secret_id": "py-user-managed",
            "secret": {"replication": {"user_managed": {"replicas": [{"location": "us-east1"}]}}},
        }
    )
    got = secret_client.get_secret(name=secret.name)
    assert [r.location for r in got.replication.user_managed.replicas] == ["us-east1"]


def test_payload_over_64_kib_is_rejected(secret_client):
    name = new_secret(secret_client, "py-too-big", grant_agent=False)
    at_limit = add_version(secret_client, name, b"x" * 65536)
    assert at_limit.name == f"{name}/versions/1"
    with pytest.raises(exceptions.BadRequest) as err:
        add_version(secret_client, name, b"x" * 65537)
    assert error_status(err.value) == "INVALID_ARGUMENT"


def test_delete_repository_long_running_operation(registry_client):
    parent = f"projects/{PROJECT_ID}/locations/{LOCATION}"
    registry_client.create_repository(
        parent=parent,
        repository_id="py-short-lived",
        repository=Repository(
            format_=Repository.Format.PYTHON,
            mode=Repository.Mode.REMOTE_REPOSITORY,
            remote_repository_config=RemoteConfig(
                python_repository=RemoteConfig.PythonRepository(
                    public_repository=RemoteConfig.PythonRepository.PublicRepository.PYPI
                )
            ),
        ),
    ).result(timeout=60)
    registry_client.delete_repository(name=f"{parent}/repositories/py-short-lived").result(
        timeout=60
    )
    with pytest.raises(exceptions.NotFound):
        registry_client.get_repository(name=f"{parent}/repositories/py-short-lived")


def test_concurrent_policy_read_modify_write_loses_nothing(secret_client):
    # Issue 3: 20 concurrent read-modify-write cycles, each retrying on
    # ABORTED, end with all 20 members present.
    import threading

    name = new_secret(secret_client, "py-iam-race", grant_agent=False)
    members = [f"user:writer-{i}@example.com" for i in range(20)]
    failures: list = []
    aborted = []
    start = threading.Barrier(len(members))

    def writer(member: str) -> None:
        start.wait()
        for _ in range(200):
            policy = secret_client.get_iam_policy(
                request={"resource": name, "options": {"requested_policy_version": 3}}
            )
            policy.bindings.add(role="roles/secretmanager.viewer", members=[member])
            try:
                secret_client.set_iam_policy(request={"resource": name, "policy": policy})
                return
            except exceptions.Conflict as err:
                aborted.append(error_status(err))
        failures.append(member)

    threads = [threading.Thread(target=writer, args=(m,)) for m in members]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join()
    assert failures == []
    assert set(aborted) <= {"ABORTED"}
    final = secret_client.get_iam_policy(
        request={"resource": name, "options": {"requested_policy_version": 3}}
    )
    held = {m for b in final.bindings if b.role == "roles/secretmanager.viewer" for m in b.members}
    assert held == set(members)
