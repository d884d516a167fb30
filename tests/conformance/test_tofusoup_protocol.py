"""The built provider driven by a plugin-protocol client this project did not
write: tofusoup's `tfplugin6` driver (`tofusoup.tfplugin.driver.start_provider`,
built on pyvider-rpcplugin, does the go-plugin handshake with AutoMTLS).

No OpenTofu binary is installable here, so this is how OpenTofu compatibility
is shown: the calls OpenTofu 1.11+ makes for a create, a rotation, an import
and a destroy, with values hand-built in msgpack (unknown values included, as
at plan time), against the session's emulator. Results are checked through
the emulator's own API, never through the provider.

Runs in its own venv (`.tools/tofusoup`, see requirements-tofusoup.txt):
`make test-conformance` runs it as `.tools/tofusoup/bin/python -m pytest
tests/conformance/test_tofusoup_protocol.py`.
"""

from __future__ import annotations

import asyncio
import base64
import json
import os
import subprocess
import time
from contextlib import asynccontextmanager
from pathlib import Path

import msgpack
import pytest
from tofusoup.tfplugin import driver
from tofusoup.tfplugin.driver import pack, pb, unpack

from conftest import ACCESS_TOKEN, LOCATION, PROJECT_ID, PROJECT_NUMBER, REPO_ROOT, RawApi

TYPE = "pypi_remote_auth"
TOKEN = "pypi-tofusoup-token-0001"
TOKEN2 = "pypi-tofusoup-token-0002"
# go-cty's unknown value: msgpack extension 0 with a one-byte body (d4 00 00).
UNKNOWN = msgpack.ExtType(0, b"\x00")
# What OpenTofu 1.11+ sends: write-only attributes are always allowed.
OPENTOFU_CAPABILITIES = pb.ClientCapabilities(write_only_attributes_allowed=True)
# OpenTofu reports its own version in the field Terraform named.
OPENTOFU_VERSION = "1.11.0"
OPERATION_TIMEOUT_S = 60


def provider_binary() -> Path:
    """The debug build of the provider, wherever cargo put it."""
    override = os.environ.get("PYPI_PROVIDER_BIN")
    if override:
        return Path(override)
    meta = subprocess.run(
        [os.environ.get("CARGO", "cargo"), "metadata", "--format-version", "1", "--no-deps"],
        cwd=REPO_ROOT,
        capture_output=True,
        check=True,
        timeout=120,
    )
    binary = Path(json.loads(meta.stdout)["target_directory"]) / "debug" / "terraform-provider-pypi"
    if not binary.is_file():
        pytest.fail(f"{binary} not found: build it first (cargo build)", pytrace=False)
    return binary


def is_unknown(value: object) -> bool:
    """An unknown value, plain (extension 0) or refined (extension 12)."""
    return isinstance(value, msgpack.ExtType) and value.code in (0, 12)


def check(response: object, what: str) -> None:
    """Fails on any ERROR diagnostic of a response."""
    errors = driver.errors(response.diagnostics)
    assert not errors, f"{what}: {driver.diagnostic_text(errors)}"


def create_repository(api: RawApi, repository: str) -> None:
    """A PyPI remote repository, created through the Artifact Registry API."""
    reply = api.call(
        "POST",
        f"/v1/projects/{PROJECT_ID}/locations/{LOCATION}/repositories",
        body={
            "format": "PYTHON",
            "mode": "REMOTE_REPOSITORY",
            "remoteRepositoryConfig": {"pythonRepository": {"publicRepository": "PYPI"}},
        },
        query={"repositoryId": repository},
    )
    assert reply.status == 200, reply.body
    operation, deadline = reply.body, time.monotonic() + OPERATION_TIMEOUT_S
    while not operation.get("done"):
        assert time.monotonic() < deadline, f"operation never finished: {operation}"
        time.sleep(0.05)
        operation = api.call("GET", f"/v1/{operation['name']}").body
    assert "error" not in operation, operation


def credentials(api: RawApi, repository: str) -> dict:
    """The repository's username/password credentials ({} when none)."""
    reply = api.call("GET", f"/v1/projects/{PROJECT_ID}/locations/{LOCATION}/repositories/{repository}")
    assert reply.status == 200, reply.body
    upstream = reply.body.get("remoteRepositoryConfig", {}).get("upstreamCredentials", {})
    return upstream.get("usernamePasswordCredentials", {})


def payload(api: RawApi, version: str) -> str:
    reply = api.call("GET", f"/v1/{version}:access")
    assert reply.status == 200, reply.body
    return base64.b64decode(reply.body["payload"]["data"]).decode()


class Session:
    """One provider process, configured for the emulator as OpenTofu would."""

    def __init__(self, provider: driver.TfPluginProvider):
        self.provider = provider
        self.stub = provider.stub
        schema = provider.schema.resource_schemas[TYPE].block
        self.attributes = {a.name: a for a in schema.attributes}
        self.blocks = [b.type_name for b in schema.block_types]

    def config(self, **values: object) -> dict:
        """A whole resource object: every attribute and block present, null unless given."""
        unknown = set(values) - set(self.attributes) - set(self.blocks)
        assert not unknown, f"not in the schema: {unknown}"
        whole = {name: None for name in [*self.attributes, *self.blocks]}
        whole.update(values)
        return whole

    def proposed(self, prior: dict | None, config: dict) -> dict:
        """Terraform's and OpenTofu's proposed new state: the config, with
        computed attributes the config leaves null taken from the prior state."""
        proposed = dict(config)
        for name, attribute in self.attributes.items():
            if attribute.computed and config[name] is None:
                proposed[name] = prior[name] if prior else None
        return proposed

    async def plan(self, prior: dict | None, config: dict, private: bytes = b""):
        response = await self.stub.PlanResourceChange(
            pb.PlanResourceChange.Request(
                type_name=TYPE,
                prior_state=pack(prior),
                proposed_new_state=pack(self.proposed(prior, config)),
                config=pack(config),
                prior_private=private,
                client_capabilities=OPENTOFU_CAPABILITIES,
            )
        )
        check(response, "PlanResourceChange")
        return unpack(response.planned_state), response.planned_private

    async def apply(self, prior: dict | None, planned: dict | None, config: dict | None, private: bytes):
        response = await self.stub.ApplyResourceChange(
            pb.ApplyResourceChange.Request(
                type_name=TYPE,
                prior_state=pack(prior),
                planned_state=pack(planned),
                config=pack(config),
                planned_private=private,
            )
        )
        check(response, "ApplyResourceChange")
        return unpack(response.new_state), response.private

    async def read(self, state: dict, private: bytes):
        response = await self.stub.ReadResource(
            pb.ReadResource.Request(
                type_name=TYPE,
                current_state=pack(state),
                private=private,
                client_capabilities=OPENTOFU_CAPABILITIES,
            )
        )
        check(response, "ReadResource")
        return unpack(response.new_state), response.private

    async def validate(self, config: dict, capabilities: pb.ClientCapabilities = OPENTOFU_CAPABILITIES):
        return await self.stub.ValidateResourceConfig(
            pb.ValidateResourceConfig.Request(
                type_name=TYPE, config=pack(config), client_capabilities=capabilities
            )
        )


@asynccontextmanager
async def configured_provider(emulator_url: str):
    """Starts the provider, reads its schema, validates and configures it."""
    provider = await driver.start_provider(provider_binary())
    try:
        schema = await provider.stub.GetProviderSchema(pb.GetProviderSchema.Request())
        check(schema, "GetProviderSchema")
        provider.schema = schema
        endpoint = emulator_url + "/"
        config = provider.provider_config(
            project=PROJECT_ID,
            access_token=ACCESS_TOKEN,
            secret_manager_custom_endpoint=endpoint,
            artifact_registry_custom_endpoint=endpoint,
            resource_manager_custom_endpoint=endpoint,
            service_usage_custom_endpoint=endpoint,
            iam_credentials_custom_endpoint=endpoint,
        )
        validated = await provider.stub.ValidateProviderConfig(pb.ValidateProviderConfig.Request(config=config))
        check(validated, "ValidateProviderConfig")
        configured = await provider.stub.ConfigureProvider(
            pb.ConfigureProvider.Request(
                terraform_version=OPENTOFU_VERSION, config=config, client_capabilities=OPENTOFU_CAPABILITIES
            )
        )
        check(configured, "ConfigureProvider")
        yield Session(provider)
    finally:
        await provider.stop()


def test_handshake_and_schema(emulator):
    async def scenario():
        provider = await driver.start_provider(provider_binary())
        try:
            assert provider.protocol_version == 6
            # AutoMTLS: the client sent its certificate, the provider answered with its own.
            assert provider.client._server_cert, "the provider did not serve TLS"
            schema = await provider.stub.GetProviderSchema(pb.GetProviderSchema.Request())
            check(schema, "GetProviderSchema")
            provider_attributes = {a.name for a in schema.provider.block.attributes}
            assert {"project", "access_token", "credentials", "secret_manager_custom_endpoint"} <= provider_attributes
            attributes = {a.name: a for a in schema.resource_schemas[TYPE].block.attributes}
            assert attributes["token_wo"].write_only and attributes["token_wo"].sensitive
            assert attributes["token"].sensitive and not attributes["token"].write_only
            assert attributes["location"].required and attributes["secret_version"].computed
            identities = await provider.stub.GetResourceIdentitySchemas(pb.GetResourceIdentitySchemas.Request())
            identity = {a.name for a in identities.identity_schemas[TYPE].identity_attributes}
            assert identity == {"project", "location", "repository"}
        finally:
            await provider.stop()

    asyncio.run(scenario())


def test_provider_config_with_unknown_values_validates(emulator):
    async def scenario():
        provider = await driver.start_provider(provider_binary())
        try:
            provider.schema = await provider.stub.GetProviderSchema(pb.GetProviderSchema.Request())
            config = provider.provider_config(project=UNKNOWN, access_token=UNKNOWN)
            validated = await provider.stub.ValidateProviderConfig(pb.ValidateProviderConfig.Request(config=config))
            check(validated, "ValidateProviderConfig with unknown values")
        finally:
            await provider.stop()

    asyncio.run(scenario())


def test_write_only_token_is_refused_without_the_capability(emulator):
    async def scenario():
        async with configured_provider(emulator.url) as session:
            config = session.config(
                location=LOCATION, repository="any", secret_id="s", token_wo=TOKEN, token_wo_version=1
            )
            response = await session.validate(config, pb.ClientCapabilities())
            summaries = [d.summary for d in driver.errors(response.diagnostics)]
            assert "Write-only attributes are not supported by this Terraform version" in summaries
            check(await session.validate(config), "ValidateResourceConfig with the capability")

    asyncio.run(scenario())


def test_create_rotate_import_destroy(emulator):
    api = RawApi(emulator.url)
    repository = "tofusoup-remote"
    create_repository(api, repository)
    repository_id = f"projects/{PROJECT_ID}/locations/{LOCATION}/repositories/{repository}"

    async def scenario():
        async with configured_provider(emulator.url) as session:
            settings = dict(location=LOCATION, repository=repository, token_wo=TOKEN, token_wo_version=1)
            # Plan while secret_id is not known yet (it comes from another resource).
            pending = session.config(**settings, secret_id=UNKNOWN)
            check(await session.validate(pending), "ValidateResourceConfig with an unknown value")
            planned, _ = await session.plan(None, pending)
            assert is_unknown(planned["secret_id"]), planned
            assert is_unknown(planned["secret_version"]), planned
            assert planned["id"] == repository_id, "the ID follows from known values"
            assert planned["token_wo"] is None, "a write-only value must not be planned"

            # Create.
            config = session.config(**settings, secret_id="tofusoup-token")
            planned, private = await session.plan(None, config)
            assert planned["token_wo_version"] == 1 and planned["token_wo"] is None
            state, private = await session.apply(None, planned, config, private)
            assert not any(is_unknown(v) for v in state.values()), state
            assert state["id"] == repository_id and state["token_wo"] is None
            first = credentials(api, repository)
            assert first["username"] == "__token__"
            assert first["passwordSecretVersion"].endswith("/secrets/tofusoup-token/versions/1")
            assert payload(api, first["passwordSecretVersion"]) == TOKEN
            assert state["service_agent"] == f"service-{PROJECT_NUMBER}@gcp-sa-artifactregistry.iam.gserviceaccount.com"
            read, private = await session.read(state, private)
            assert read == state, "a read right after create must change nothing"

            # Rotate: a new token and a higher token_wo_version.
            rotated = session.config(**{**settings, "token_wo": TOKEN2, "token_wo_version": 2}, secret_id="tofusoup-token")
            planned, planned_private = await session.plan(read, rotated, private)
            assert planned["token_wo_version"] == 2 and planned["token_wo"] is None
            state, private = await session.apply(read, planned, rotated, planned_private)
            second = credentials(api, repository)["passwordSecretVersion"]
            assert second.endswith("/versions/2") and state["secret_version"].endswith("/versions/2")
            assert payload(api, second) == TOKEN2
            old = api.call("GET", f"/v1/{first['passwordSecretVersion']}").body
            assert old["state"] == "DISABLED", old

            # Import by ID, then by identity: both read what is configured.
            response = await session.stub.ImportResourceState(
                pb.ImportResourceState.Request(
                    type_name=TYPE, id=repository_id, client_capabilities=OPENTOFU_CAPABILITIES
                )
            )
            check(response, "ImportResourceState by ID")
            assert len(response.imported_resources) == 1
            imported = response.imported_resources[0]
            assert imported.type_name == TYPE
            adopted, _ = await session.read(unpack(imported.state), imported.private)
            assert adopted["secret_version"] == state["secret_version"] and adopted["token_wo"] is None
            identity = pb.ResourceIdentityData(
                identity_data=pack({"project": PROJECT_ID, "location": LOCATION, "repository": repository})
            )
            response = await session.stub.ImportResourceState(
                pb.ImportResourceState.Request(
                    type_name=TYPE, identity=identity, client_capabilities=OPENTOFU_CAPABILITIES
                )
            )
            check(response, "ImportResourceState by identity")
            adopted, _ = await session.read(
                unpack(response.imported_resources[0].state), response.imported_resources[0].private
            )
            assert adopted["id"] == repository_id

            # Destroy: no plan_destroy capability, so the client plans null itself.
            gone, _ = await session.apply(state, None, None, private)
            assert gone is None
            assert credentials(api, repository) == {}
            assert api.call("GET", f"/v1/projects/{PROJECT_ID}/secrets/tofusoup-token").status == 404

    asyncio.run(scenario())
