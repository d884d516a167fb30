"""Every JSON answer the emulator gave must fit Google's discovery documents.

The recording proxy in `conftest.py` kept each exchange of the whole
session (gcloud, the Python clients, and the raw tour below). Each request
is matched to its discovery method by HTTP method and `flatPath`; the answer
is walked against the method's response schema: only known field names,
enum strings from the schema, int64 as decimal strings, bytes as standard
base64, timestamps as RFC 3339 with `Z`. Error answers must be
`google.rpc.Status` with the HTTP status that goes with the code.
"""

from __future__ import annotations

import base64
import binascii
import json
import re
import urllib.parse
from dataclasses import dataclass
from pathlib import Path

import googleapiclient
import pytest

from conftest import LOCATION, PROJECT_ID, PROJECT_NUMBER, PYPI_TOKEN, b64, crc32c

DOCUMENTS = (
    "secretmanager.v1",
    "artifactregistry.v1",
    "cloudresourcemanager.v1",
    "cloudresourcemanager.v3",
    "serviceusage.v1beta1",
)
DOCUMENT_DIR = Path(googleapiclient.__file__).parent / "discovery_cache" / "documents"
# google.rpc.Code name -> the HTTP status Google's JSON/HTTP mapping uses.
HTTP_STATUS_OF_CODE = {
    "CANCELLED": 499,
    "UNKNOWN": 500,
    "INVALID_ARGUMENT": 400,
    "DEADLINE_EXCEEDED": 504,
    "NOT_FOUND": 404,
    "ALREADY_EXISTS": 409,
    "PERMISSION_DENIED": 403,
    "UNAUTHENTICATED": 401,
    "RESOURCE_EXHAUSTED": 429,
    "FAILED_PRECONDITION": 400,
    "ABORTED": 409,
    "OUT_OF_RANGE": 400,
    "UNIMPLEMENTED": 501,
    "INTERNAL": 500,
    "UNAVAILABLE": 503,
    "DATA_LOSS": 500,
}
# The methods the PyPI workflow needs; the session must have exercised each.
REQUIRED_METHODS = {
    "secretmanager.projects.secrets.create",
    "secretmanager.projects.secrets.get",
    "secretmanager.projects.secrets.list",
    "secretmanager.projects.secrets.patch",
    "secretmanager.projects.secrets.delete",
    "secretmanager.projects.secrets.addVersion",
    "secretmanager.projects.secrets.getIamPolicy",
    "secretmanager.projects.secrets.setIamPolicy",
    "secretmanager.projects.secrets.testIamPermissions",
    "secretmanager.projects.secrets.versions.get",
    "secretmanager.projects.secrets.versions.list",
    "secretmanager.projects.secrets.versions.access",
    "secretmanager.projects.secrets.versions.disable",
    "secretmanager.projects.secrets.versions.enable",
    "secretmanager.projects.secrets.versions.destroy",
    "artifactregistry.projects.locations.repositories.create",
    "artifactregistry.projects.locations.repositories.get",
    "artifactregistry.projects.locations.repositories.list",
    "artifactregistry.projects.locations.repositories.patch",
    "artifactregistry.projects.locations.repositories.delete",
    "artifactregistry.projects.locations.repositories.testIamPermissions",
    "artifactregistry.projects.locations.operations.get",
    "artifactregistry.projects.locations.list",
    "cloudresourcemanager.projects.get@v1",
    "cloudresourcemanager.projects.get@v3",
    "serviceusage.services.generateServiceIdentity",
    "serviceusage.operations.get",
}
# Paths two of the APIs share. The emulator serves every API on one port, so
# it answers such a path as one of them: the method named here.
SHARED_PATH_OWNERS = {"artifactregistry.projects.locations.list"}
RFC3339_UTC = re.compile(r"^\d{4}-\d\d-\d\dT\d\d:\d\d:\d\d(\.\d{1,9})?Z$")
INT64 = re.compile(r"^-?\d+$")
DURATION = re.compile(r"^-?\d+(\.\d{1,9})?s$")


@dataclass
class Method:
    """One discovery method and how to recognise its requests."""

    key: str
    http_method: str
    pattern: re.Pattern
    literal_chars: int
    response: str | None
    document: dict


def _path_regex(template: str) -> tuple[re.Pattern, int]:
    regex, literal, pos = "", 0, 0
    for match in re.finditer(r"\{(\+?)([^}]+)\}", template):
        chunk = template[pos : match.start()]
        regex += re.escape(chunk)
        literal += len(chunk)
        regex += ".+" if match.group(1) else "[^/:]+"
        pos = match.end()
    regex += re.escape(template[pos:])
    literal += len(template) - pos
    return re.compile("^/" + regex + "$"), literal


def _load_methods() -> list[Method]:
    methods = []
    for name in DOCUMENTS:
        document = json.loads((DOCUMENT_DIR / f"{name}.json").read_text())
        api, version = document["name"], document["version"]

        def walk(resources: dict, prefix: str) -> None:
            for res_name, resource in resources.items():
                for meth_name, meth in resource.get("methods", {}).items():
                    pattern, literal = _path_regex(meth.get("flatPath") or meth["path"])
                    key = f"{api}.{prefix}{res_name}.{meth_name}"
                    if api == "cloudresourcemanager":
                        key += f"@{version}"
                    methods.append(
                        Method(
                            key=key,
                            http_method=meth["httpMethod"],
                            pattern=pattern,
                            literal_chars=literal,
                            response=meth.get("response", {}).get("$ref"),
                            document=document,
                        )
                    )
                walk(resource.get("resources", {}), f"{prefix}{res_name}.")

        walk(document.get("resources", {}), "")
    return methods


METHODS = _load_methods()


def match_method(http_method: str, path: str) -> Method | str:
    """The most specific discovery method for a request, or why there is none."""
    found = [
        m for m in METHODS if m.http_method == http_method and m.pattern.match(path)
    ]
    if not found:
        return f"no discovery method for {http_method} {path}"
    best = max(m.literal_chars for m in found)
    top = [m for m in found if m.literal_chars == best]
    if len({(m.response, m.document["name"]) for m in top}) > 1:
        owners = [m for m in top if m.key in SHARED_PATH_OWNERS]
        if len(owners) == 1:
            return owners[0]
        return f"ambiguous: {http_method} {path} matches {[m.key for m in top]}"
    return top[0]


def check_value(value, schema: dict, document: dict, where: str, int_enums: bool, errors: list):
    """Walks one JSON value against a discovery schema, collecting violations."""
    schemas = document["schemas"]
    if "$ref" in schema:
        ref = schema["$ref"]
        if ref not in schemas:
            errors.append(f"{where}: schema {ref} missing from {document['name']}")
            return
        schema = schemas[ref]
    kind = schema.get("type")
    if kind == "any":
        if isinstance(value, dict) and "@type" in value:
            check_any(value, document, where, int_enums, errors)
        return
    if kind == "object" or "properties" in schema:
        if not isinstance(value, dict):
            errors.append(f"{where}: expected an object, got {type(value).__name__}")
            return
        properties = schema.get("properties", {})
        extra = schema.get("additionalProperties")
        for key, item in value.items():
            if key in properties:
                check_value(item, properties[key], document, f"{where}.{key}", int_enums, errors)
            elif extra is not None:
                check_value(item, extra, document, f"{where}[{key!r}]", int_enums, errors)
            else:
                errors.append(f"{where}.{key}: field not in schema {schema.get('id', '?')}")
        return
    if kind == "array":
        if not isinstance(value, list):
            errors.append(f"{where}: expected an array, got {type(value).__name__}")
            return
        for index, item in enumerate(value):
            check_value(item, schema.get("items", {}), document, f"{where}[{index}]", int_enums, errors)
        return
    if kind == "boolean":
        if not isinstance(value, bool):
            errors.append(f"{where}: expected a boolean, got {value!r}")
        return
    if kind == "integer":
        if isinstance(value, bool) or not isinstance(value, int):
            errors.append(f"{where}: expected an integer, got {value!r}")
        return
    if kind == "number":
        if isinstance(value, bool) or not isinstance(value, (int, float)):
            errors.append(f"{where}: expected a number, got {value!r}")
        return
    if kind == "string":
        check_string(value, schema, where, int_enums, errors)
        return
    errors.append(f"{where}: schema has unknown type {kind!r}")


def check_string(value, schema: dict, where: str, int_enums: bool, errors: list) -> None:
    if "enum" in schema:
        if int_enums and isinstance(value, int) and not isinstance(value, bool):
            if value < 0:
                errors.append(f"{where}: negative enum number {value}")
            return
        if value not in schema["enum"]:
            errors.append(f"{where}: {value!r} is not one of {schema['enum']}")
        return
    if not isinstance(value, str):
        errors.append(f"{where}: expected a string, got {value!r}")
        return
    fmt = schema.get("format")
    if fmt in ("int64", "uint64") and not INT64.match(value):
        errors.append(f"{where}: int64 must be a decimal string, got {value!r}")
    elif fmt == "google-datetime" and not RFC3339_UTC.match(value):
        errors.append(f"{where}: timestamp must be RFC 3339 with Z, got {value!r}")
    elif fmt == "google-duration" and not DURATION.match(value):
        errors.append(f"{where}: duration must look like '3.5s', got {value!r}")
    elif fmt == "byte":
        try:
            base64.b64decode(value, validate=True)
        except (binascii.Error, ValueError):
            errors.append(f"{where}: bytes must be standard base64, got {value!r}")


def check_any(value: dict, document: dict, where: str, int_enums: bool, errors: list) -> None:
    """A google.protobuf.Any: its @type must name a schema of the same API."""
    type_url = value["@type"]
    prefix = "type.googleapis.com/"
    if not type_url.startswith(prefix):
        errors.append(f"{where}.@type: {type_url!r} lacks {prefix}")
        return
    short = type_url.rsplit(".", 1)[-1]
    rest = {k: v for k, v in value.items() if k != "@type"}
    if type_url == prefix + "google.protobuf.Empty":
        if rest:
            errors.append(f"{where}: Empty with fields {sorted(rest)}")
        return
    if short not in document["schemas"]:
        errors.append(f"{where}.@type: {type_url!r} is not a schema of {document['name']}")
        return
    check_value(rest, {"$ref": short}, document, where, int_enums, errors)


def check_error(body, status: int, where: str, errors: list) -> None:
    """Error answers are google.rpc.Status wrapped in {"error": ...}."""
    if not isinstance(body, dict) or set(body) != {"error"}:
        errors.append(f"{where}: error body must be exactly {{'error': ...}}, got {body!r}")
        return
    error = body["error"]
    if not isinstance(error, dict):
        errors.append(f"{where}: error must be an object")
        return
    unknown = set(error) - {"code", "message", "status", "details", "errors"}
    if unknown:
        errors.append(f"{where}: unknown error fields {sorted(unknown)}")
    if error.get("code") != status:
        errors.append(f"{where}: error.code {error.get('code')!r} != HTTP {status}")
    code_name = error.get("status")
    if HTTP_STATUS_OF_CODE.get(code_name) != status:
        errors.append(f"{where}: status {code_name!r} does not go with HTTP {status}")
    if not isinstance(error.get("message"), str) or not error.get("message"):
        errors.append(f"{where}: error.message must be a non-empty string")
    for index, detail in enumerate(error.get("details", [])):
        if not isinstance(detail, dict) or "@type" not in detail:
            errors.append(f"{where}: details[{index}] lacks @type")


@pytest.fixture(scope="module")
def tour(api):
    """Raw calls for the methods neither gcloud nor the clients above use.

    Half of them ask for `$alt=json;enum-encoding=int` like Google's
    generated clients, the rest `alt=json` like gcloud.
    """
    int_enums = {"$alt": "json;enum-encoding=int"}
    plain = {"alt": "json"}
    answers = {}

    def call(label, method, path, body=None, query=None):
        reply = api.call(method, path, body=body, query=query)
        answers[label] = reply
        return reply

    call("rm-v1", "GET", f"/v1/projects/{PROJECT_ID}", query=plain)
    call("rm-v3-id", "GET", f"/v3/projects/{PROJECT_ID}", query=int_enums)
    call("rm-v3-number", "GET", f"/v3/projects/{PROJECT_NUMBER}", query=plain)
    identity = call(
        "su-identity",
        "POST",
        f"/v1beta1/projects/{PROJECT_ID}/services/artifactregistry.googleapis.com"
        ":generateServiceIdentity",
        body={},
        query=plain,
    )
    if identity.status == 200 and isinstance(identity.body, dict) and "name" in identity.body:
        call("su-operation", "GET", f"/v1beta1/{identity.body['name']}", query=plain)

    secrets = f"/v1/projects/{PROJECT_ID}/secrets"
    call(
        "sm-create",
        "POST",
        secrets,
        body={"replication": {"automatic": {}}, "labels": {"env": "tour"}},
        query={"secretId": "tour-secret", **int_enums},
    )
    secret = f"{secrets}/tour-secret"
    call("sm-get", "GET", secret, query=plain)
    call(
        "sm-patch",
        "PATCH",
        secret,
        body={"labels": {"env": "tour2"}},
        query={"updateMask": "labels", **plain},
    )
    call(
        "sm-add",
        "POST",
        f"{secret}:addVersion",
        body={"payload": {"data": b64(PYPI_TOKEN), "dataCrc32c": str(crc32c(PYPI_TOKEN))}},
        query=int_enums,
    )
    call("sm-latest", "GET", f"{secret}/versions/latest", query=int_enums)
    version = f"{secret}/versions/1"
    call("sm-access", "GET", f"{version}:access", query=int_enums)
    policy = call(
        "sm-get-policy",
        "GET",
        f"{secret}:getIamPolicy",
        query={"options.requestedPolicyVersion": "3", **plain},
    )
    agent = f"serviceAccount:service-{PROJECT_NUMBER}@gcp-sa-artifactregistry.iam.gserviceaccount.com"
    etag = policy.body.get("etag") if isinstance(policy.body, dict) else None
    call(
        "sm-set-policy",
        "POST",
        f"{secret}:setIamPolicy",
        body={
            "policy": {
                "version": 3,
                "etag": etag,
                "bindings": [{"role": "roles/secretmanager.secretAccessor", "members": [agent]}],
            }
        },
        query=plain,
    )
    call("sm-disable", "POST", f"{version}:disable", body={}, query=int_enums)
    call("sm-enable", "POST", f"{version}:enable", body={}, query=plain)
    call(
        "sm-test-permissions",
        "POST",
        f"{secret}:testIamPermissions",
        body={"permissions": ["secretmanager.versions.access"]},
        query=plain,
    )

    location = f"/v1/projects/{PROJECT_ID}/locations/{LOCATION}"
    created = call(
        "ar-create",
        "POST",
        f"{location}/repositories",
        body={
            "format": 8,  # PYTHON, as the generated clients send it
            "mode": 3,  # REMOTE_REPOSITORY
            "remoteRepositoryConfig": {
                "description": "tour",
                "pythonRepository": {"publicRepository": 1},  # PYPI
            },
        },
        query={"repositoryId": "tour-repo", **int_enums},
    )
    if created.status == 200 and isinstance(created.body, dict) and "name" in created.body:
        call("ar-operation", "GET", f"/v1/{created.body['name']}", query=plain)
    repo = f"{location}/repositories/tour-repo"
    call("ar-get", "GET", repo, query=int_enums)
    call(
        "ar-patch",
        "PATCH",
        repo,
        body={
            "remoteRepositoryConfig": {
                "upstreamCredentials": {
                    "usernamePasswordCredentials": {
                        "username": "__token__",
                        "passwordSecretVersion": version.removeprefix("/v1/"),
                    }
                }
            }
        },
        query={"updateMask": "remoteRepositoryConfig.upstreamCredentials", **int_enums},
    )
    call("ar-list", "GET", f"{location}/repositories", query=plain)
    call("ar-locations", "GET", f"/v1/projects/{PROJECT_ID}/locations", query=plain)
    call(
        "ar-test-permissions",
        "POST",
        f"{repo}:testIamPermissions",
        body={"permissions": ["artifactregistry.repositories.update"]},
        query=plain,
    )
    call("ar-delete", "DELETE", repo, query=plain)

    call("sm-destroy", "POST", f"{version}:destroy", body={}, query=plain)
    call("sm-versions", "GET", f"{secret}/versions", query=plain)
    call("sm-secrets", "GET", secrets, query=int_enums)
    call("sm-delete", "DELETE", secret, query=plain)
    return answers


def test_tour_endpoints_answer(tour):
    failed = {label: (r.status, r.body) for label, r in tour.items() if not 200 <= r.status < 300}
    assert not failed, failed
    assert tour["rm-v1"].body["projectNumber"] == PROJECT_NUMBER
    assert tour["rm-v3-id"].body["name"] == f"projects/{PROJECT_NUMBER}"
    assert tour["rm-v3-number"].body["projectId"] == PROJECT_ID
    email = f"service-{PROJECT_NUMBER}@gcp-sa-artifactregistry.iam.gserviceaccount.com"
    assert tour["su-identity"].body["response"]["email"] == email
    assert tour["sm-patch"].body["labels"] == {"env": "tour2"}
    assert tour["sm-latest"].body["name"].endswith("/tour-secret/versions/1")
    assert tour["sm-test-permissions"].body["permissions"] == ["secretmanager.versions.access"]
    assert tour["ar-get"].body["format"] in ("PYTHON", 8)
    assert tour["sm-access"].body["payload"]["data"] == b64(PYPI_TOKEN)
    assert tour["sm-disable"].body["state"] in ("DISABLED", 2)
    assert tour["sm-enable"].body["state"] in ("ENABLED", 1)
    assert tour["sm-destroy"].body["state"] in ("DESTROYED", 3)
    upc = tour["ar-patch"].body["remoteRepositoryConfig"]["upstreamCredentials"]
    assert upc["usernamePasswordCredentials"]["username"] == "__token__"


def test_responses_match_discovery_schemas(recorder, tour):
    exchanges = [e for e in recorder.snapshot() if not e.path.startswith("/_emulator/")]
    assert exchanges, "the recorder saw no API traffic"
    errors, seen = [], set()
    for exchange in exchanges:
        where = f"{exchange.method} {exchange.path}?{exchange.query} -> {exchange.status}"
        method = match_method(exchange.method, exchange.path)
        if isinstance(method, str):
            errors.append(f"{where}: {method}")
            continue
        seen.add(method.key)
        if not 200 <= exchange.status < 300:
            check_error(exchange.body, exchange.status, where, errors)
            continue
        if not exchange.content_type.startswith("application/json"):
            errors.append(f"{where}: content-type {exchange.content_type!r}")
        if method.response is None:
            if exchange.body not in (None, {}):
                errors.append(f"{where}: method has no response body, got {exchange.body!r}")
            continue
        int_enums = "enum-encoding=int" in urllib.parse.unquote(exchange.query)
        check_value(
            exchange.body, {"$ref": method.response}, method.document, where, int_enums, errors
        )
    assert not errors, "\n".join(errors[:80])
    missing = REQUIRED_METHODS - seen
    assert not missing, f"workflow methods never exercised: {sorted(missing)}"


def test_error_answers_are_google_rpc_status(direct_api):
    cases = [
        ("GET", f"/v1/projects/{PROJECT_ID}/secrets/absent", 404),
        ("GET", f"/v1/projects/{PROJECT_ID}/secrets/absent/versions/1:access", 404),
        ("GET", f"/v1/projects/{PROJECT_ID}/locations/{LOCATION}/repositories/absent", 404),
    ]
    errors = []
    for method, path, expected in cases:
        reply = direct_api.call(method, path, query={"alt": "json"})
        where = f"{method} {path} -> {reply.status}"
        if reply.status != expected:
            errors.append(f"{where}: expected HTTP {expected}")
        check_error(reply.body, reply.status, where, errors)
    unauthenticated = direct_api.call(
        "GET", f"/v1/projects/{PROJECT_ID}/secrets/absent", token=None
    )
    if unauthenticated.status != 401:
        errors.append(f"no token -> {unauthenticated.status}, expected 401")
    check_error(unauthenticated.body, unauthenticated.status, "no token", errors)
    assert not errors, "\n".join(errors)


def test_schema_walker_rejects_what_it_should():
    # The checker itself must be able to fail, or the contract test proves nothing.
    sm = next(m for m in METHODS if m.key == "secretmanager.projects.secrets.versions.get")
    errors: list = []
    bad = {
        "name": "projects/1/secrets/s/versions/1",
        "state": "ENABLE",
        "createTime": "2024-01-01T00:00:00+00:00",
        "bogusField": 1,
        "clientSpecifiedPayloadChecksum": "true",
    }
    check_value(bad, {"$ref": sm.response}, sm.document, "v", False, errors)
    assert len(errors) == 4, errors
    good = {"name": "projects/1/secrets/s/versions/1", "state": "ENABLED",
            "createTime": "2024-01-01T00:00:00.5Z", "etag": "\"abc\""}
    errors = []
    check_value(good, {"$ref": sm.response}, sm.document, "v", False, errors)
    assert errors == []
    errors = []
    check_error({"error": {"code": 400, "status": "NOT_FOUND", "message": "x"}}, 400, "e", errors)
    assert errors
    assert isinstance(match_method("POST", "/v1/projects/p/secrets/s:addVersion"), Method)
    assert match_method("POST", "/v1/projects/p/secrets/s:addVersion").key == (
        "secretmanager.projects.secrets.addVersion"
    )
    assert isinstance(match_method("GET", "/v9/nowhere"), str)
    assert match_method("GET", "/v1/projects/p/locations").key == (
        "artifactregistry.projects.locations.list"
    )


def test_request_log_never_holds_the_token(direct_api, tour):
    # Runs after every workflow above wrote PyPI tokens through the emulator.
    reply = direct_api.call("GET", "/_emulator/requests", token=None)
    assert reply.status == 200
    text = json.dumps(reply.body)
    assert "/secrets/tour-secret:addVersion" in text  # the log is really there
    for needle in (PYPI_TOKEN.decode(), b64(PYPI_TOKEN), "conformance-test-token"):
        assert needle not in text
