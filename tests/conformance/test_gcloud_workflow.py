"""Google's documented gcloud workflow, unmodified, against the emulator.

The guide "configure authentication to upstream PyPI for an Artifact
Registry remote repository" is four gcloud steps; this runs them as a user
would and reads the result back with the describe commands.
"""

from __future__ import annotations

import base64

import pytest

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

SECRET = "pypi-token"
REPOSITORY = "pypi-remote-gcloud"


@pytest.fixture(scope="module")
def token_file(gcloud):
    path = gcloud.workdir / "pypi-token.txt"
    path.write_bytes(PYPI_TOKEN)
    return path


def test_crc32c_reference_value():
    # Guards the hand-written CRC32C the other assertions rely on.
    assert crc32c(PYPI_TOKEN) == PYPI_TOKEN_CRC32C
    assert crc32c(b"123456789") == 0xE3069283


def test_google_workflow(gcloud, token_file):
    # Step 0: the remote repository exists (created the way a user would).
    created = gcloud.json(
        "artifacts",
        "repositories",
        "create",
        REPOSITORY,
        f"--location={LOCATION}",
        "--repository-format=python",
        "--mode=remote-repository",
        "--remote-repo-config-desc=PyPI upstream",
        "--remote-python-repo=PYPI",
    )
    assert created is None or isinstance(created, (dict, list))

    # Step 1: the secret and its first version.
    secret = gcloud.json("secrets", "create", SECRET, "--replication-policy=automatic")
    assert secret["name"] == f"projects/{PROJECT_NUMBER}/secrets/{SECRET}"
    assert secret["replication"] == {"automatic": {}}
    assert secret["createTime"].endswith("Z")

    version = gcloud.json(
        "secrets", "versions", "add", SECRET, f"--data-file={token_file}"
    )
    version_name = f"projects/{PROJECT_NUMBER}/secrets/{SECRET}/versions/1"
    assert version["name"] == version_name
    assert version["state"] == "ENABLED"
    # gcloud sends dataCrc32c; the service says it verified it.
    assert version.get("clientSpecifiedPayloadChecksum") is True

    # Step 2: the project number names the service agent.
    project = gcloud.json("projects", "describe", PROJECT_ID)
    assert project["projectNumber"] == PROJECT_NUMBER
    assert project["projectId"] == PROJECT_ID
    assert project["lifecycleState"] == "ACTIVE"

    # Step 3: the service agent may read the secret.
    policy = gcloud.json(
        "secrets",
        "add-iam-policy-binding",
        SECRET,
        f"--member={SERVICE_AGENT}",
        f"--role={ACCESSOR_ROLE}",
    )
    assert {"role": ACCESSOR_ROLE, "members": [SERVICE_AGENT]} in policy["bindings"]
    assert policy["etag"]

    # Step 4: the repository authenticates upstream with that version.
    pinned = f"projects/{PROJECT_ID}/secrets/{SECRET}/versions/1"
    updated = gcloud.json(
        "artifacts",
        "repositories",
        "update",
        REPOSITORY,
        f"--location={LOCATION}",
        "--remote-username=__token__",
        f"--remote-password-secret-version={pinned}",
    )
    creds = updated["remoteRepositoryConfig"]["upstreamCredentials"]
    assert creds["usernamePasswordCredentials"]["username"] == "__token__"

    # The describe commands show the result.
    repo = gcloud.json(
        "artifacts", "repositories", "describe", REPOSITORY, f"--location={LOCATION}"
    )
    assert repo["name"] == (
        f"projects/{PROJECT_ID}/locations/{LOCATION}/repositories/{REPOSITORY}"
    )
    assert repo["format"] == "PYTHON"
    assert repo["mode"] == "REMOTE_REPOSITORY"
    config = repo["remoteRepositoryConfig"]
    assert config["pythonRepository"] == {"publicRepository": "PYPI"}
    assert config["description"] == "PyPI upstream"
    assert "disableUpstreamValidation" not in config
    upc = config["upstreamCredentials"]["usernamePasswordCredentials"]
    assert upc["username"] == "__token__"
    # Either project form names the same secret; the id form is what was sent.
    assert upc["passwordSecretVersion"] in (
        pinned,
        f"projects/{PROJECT_NUMBER}/secrets/{SECRET}/versions/1",
    )

    policy = gcloud.json("secrets", "get-iam-policy", SECRET)
    members = [
        m for b in policy["bindings"] if b["role"] == ACCESSOR_ROLE for m in b["members"]
    ]
    assert members == [SERVICE_AGENT]

    plain = gcloud.run("secrets", "versions", "access", "1", f"--secret={SECRET}")
    assert plain.stdout.encode() == PYPI_TOKEN

    accessed = gcloud.json("secrets", "versions", "access", "1", f"--secret={SECRET}")
    assert accessed["name"] == version_name
    assert base64.b64decode(accessed["payload"]["data"]) == PYPI_TOKEN
    assert int(accessed["payload"]["dataCrc32c"]) == PYPI_TOKEN_CRC32C

    described = gcloud.json("secrets", "versions", "describe", "1", f"--secret={SECRET}")
    assert described["name"] == version_name
    assert described["state"] == "ENABLED"
    assert described["createTime"].endswith("Z")
    assert "destroyTime" not in described


def test_version_lifecycle_and_delete(gcloud, token_file):
    secret = "pypi-token-lifecycle"
    gcloud.json("secrets", "create", secret, "--replication-policy=automatic")
    gcloud.json("secrets", "versions", "add", secret, f"--data-file={token_file}")
    gcloud.json("secrets", "versions", "add", secret, f"--data-file={token_file}")

    latest = gcloud.json("secrets", "versions", "describe", "latest", f"--secret={secret}")
    assert latest["name"].endswith("/versions/2")

    disabled = gcloud.json("secrets", "versions", "disable", "1", f"--secret={secret}")
    assert disabled["state"] == "DISABLED"
    refused = gcloud.run("secrets", "versions", "access", "1", f"--secret={secret}", check=False)
    assert refused.returncode != 0
    assert "FAILED_PRECONDITION" in refused.stderr
    assert PYPI_TOKEN.decode() not in refused.stdout + refused.stderr

    enabled = gcloud.json("secrets", "versions", "enable", "1", f"--secret={secret}")
    assert enabled["state"] == "ENABLED"
    again = gcloud.run("secrets", "versions", "access", "1", f"--secret={secret}")
    assert again.stdout.encode() == PYPI_TOKEN

    destroyed = gcloud.json(
        "secrets", "versions", "destroy", "1", f"--secret={secret}", "--quiet"
    )
    assert destroyed["state"] == "DESTROYED"
    assert destroyed["destroyTime"].endswith("Z")
    gone = gcloud.run("secrets", "versions", "access", "1", f"--secret={secret}", check=False)
    assert gone.returncode != 0
    assert "FAILED_PRECONDITION" in gone.stderr
    # DESTROYED is final.
    revive = gcloud.run("secrets", "versions", "enable", "1", f"--secret={secret}", check=False)
    assert revive.returncode != 0
    assert "FAILED_PRECONDITION" in revive.stderr

    listed = gcloud.json("secrets", "versions", "list", secret)
    states = {v["name"].rsplit("/", 1)[1]: v["state"] for v in listed}
    assert states == {"1": "DESTROYED", "2": "ENABLED"}

    gcloud.run("secrets", "delete", secret, "--quiet")
    missing = gcloud.run("secrets", "describe", secret, check=False)
    assert missing.returncode != 0
    assert "NOT_FOUND" in missing.stderr


def test_missing_secret_is_not_found(gcloud):
    missing = gcloud.run("secrets", "describe", "no-such-secret", check=False)
    assert missing.returncode != 0
    assert "NOT_FOUND" in missing.stderr


def test_duplicate_secret_already_exists(gcloud):
    gcloud.json("secrets", "create", "pypi-token-dup", "--replication-policy=automatic")
    again = gcloud.run(
        "secrets", "create", "pypi-token-dup", "--replication-policy=automatic", check=False
    )
    assert again.returncode != 0
    # gcloud rewrites 409s as "... is the subject of a conflict: <message>".
    assert "is the subject of a conflict" in again.stderr
    assert "secrets/pypi-token-dup] already exists" in again.stderr


def test_user_managed_replication(gcloud):
    secret = gcloud.json(
        "secrets",
        "create",
        "pypi-token-regional",
        "--replication-policy=user-managed",
        "--locations=us-east1,europe-west1",
    )
    replicas = secret["replication"]["userManaged"]["replicas"]
    assert sorted(r["location"] for r in replicas) == ["europe-west1", "us-east1"]
    described = gcloud.json("secrets", "describe", "pypi-token-regional")
    assert described["replication"] == secret["replication"]
