"""Fixtures that put Google's own clients in front of `gcp-emulator`.

One emulator process serves the whole session. Every client talks to it
through a small recording proxy so that `test_discovery_contract.py` can
check each JSON answer the emulator gave against Google's discovery
documents. The proxy forwards bytes unchanged; it only keeps a copy.
"""

from __future__ import annotations

import base64
import gzip
import http.client
import http.server
import json
import os
import queue
import shutil
import signal
import subprocess
import threading
import urllib.error
import urllib.parse
import urllib.request
from dataclasses import dataclass, field
from pathlib import Path

import pytest

REPO_ROOT = Path(__file__).resolve().parents[2]
PROJECT_ID = "conf-project"
PROJECT_NUMBER = "424242424242"
LOCATION = "us-central1"
ACCESS_TOKEN = "conformance-test-token"
# A PyPI token's fixed prefix; its CRC32C is known (see the facts sheet).
PYPI_TOKEN = b"pypi-AgEIcHlwaS5vcmc"
PYPI_TOKEN_CRC32C = 2776802622
SERVICE_AGENT = (
    f"serviceAccount:service-{PROJECT_NUMBER}"
    "@gcp-sa-artifactregistry.iam.gserviceaccount.com"
)
ACCESSOR_ROLE = "roles/secretmanager.secretAccessor"
STARTUP_TIMEOUT_S = 60
HOP_BY_HOP = {
    "connection",
    "keep-alive",
    "proxy-authenticate",
    "proxy-authorization",
    "te",
    "trailer",
    "transfer-encoding",
    "upgrade",
    "content-length",
    "host",
}


def crc32c(data: bytes) -> int:
    """CRC32C (Castagnoli), written out so the check does not trust a library."""
    crc = 0xFFFFFFFF
    for byte in data:
        crc ^= byte
        for _ in range(8):
            crc = (crc >> 1) ^ (0x82F63B78 if crc & 1 else 0)
    return crc ^ 0xFFFFFFFF


def pytest_collection_modifyitems(config, items):
    """The discovery contract checks what the other tests recorded: run it last."""
    items.sort(key=lambda item: "test_discovery_contract" in item.nodeid)


# --------------------------------------------------------------------------
# The emulator process
# --------------------------------------------------------------------------


@dataclass
class Emulator:
    """A running `gcp-emulator` and where to reach it."""

    process: subprocess.Popen
    url: str
    stderr_path: Path

    def stderr_tail(self) -> str:
        try:
            return self.stderr_path.read_text(errors="replace")[-4000:]
        except OSError:
            return ""


def _emulator_binary() -> Path:
    override = os.environ.get("GCP_EMULATOR_BIN")
    if override:
        return Path(override)
    target = Path(os.environ.get("CARGO_TARGET_DIR", REPO_ROOT / "target"))
    if not target.is_absolute():
        target = REPO_ROOT / target
    return target / "debug" / "gcp-emulator"


@pytest.fixture(scope="session")
def emulator(tmp_path_factory) -> Emulator:
    binary = _emulator_binary()
    if not binary.is_file():
        pytest.fail(
            f"gcp-emulator binary not found at {binary}: build it first with "
            "`cargo build -p gcp-emulator` (or set GCP_EMULATOR_BIN)",
            pytrace=False,
        )
    stderr_path = tmp_path_factory.mktemp("emulator") / "stderr.log"
    with open(stderr_path, "wb") as stderr:
        process = subprocess.Popen(
            [
                str(binary),
                "--listen",
                "127.0.0.1:0",
                "--project",
                f"{PROJECT_ID}={PROJECT_NUMBER}",
            ],
            stdout=subprocess.PIPE,
            stderr=stderr,
        )
    lines: queue.Queue = queue.Queue()

    def drain() -> None:
        for line in process.stdout:
            lines.put(line.decode(errors="replace"))
        lines.put(None)

    threading.Thread(target=drain, daemon=True).start()
    try:
        first = lines.get(timeout=STARTUP_TIMEOUT_S)
    except queue.Empty:
        first = None
    prefix = "gcp-emulator listening on "
    if first is None or not first.startswith(prefix):
        process.kill()
        process.wait()
        pytest.fail(
            f"gcp-emulator did not announce itself (first stdout line {first!r}); "
            f"stderr:\n{stderr_path.read_text(errors='replace')[-4000:]}",
            pytrace=False,
        )
    url = first[len(prefix) :].strip().rstrip("/")
    emu = Emulator(process=process, url=url, stderr_path=stderr_path)
    yield emu
    process.send_signal(signal.SIGTERM)
    try:
        process.wait(timeout=10)
    except subprocess.TimeoutExpired:
        process.kill()
        process.wait()


# --------------------------------------------------------------------------
# The recording proxy
# --------------------------------------------------------------------------


@dataclass
class Exchange:
    """One request forwarded to the emulator and the answer it gave."""

    method: str
    path: str
    query: str
    status: int
    content_type: str
    body: object
    user_agent: str


@dataclass
class Recorder:
    """The proxy's address and everything it has seen, in order."""

    url: str
    exchanges: list = field(default_factory=list)
    lock: threading.Lock = field(default_factory=threading.Lock)

    def snapshot(self) -> list:
        with self.lock:
            return list(self.exchanges)


def _read_request_body(handler: http.server.BaseHTTPRequestHandler) -> bytes:
    if handler.headers.get("Transfer-Encoding", "").lower() == "chunked":
        chunks = []
        while True:
            size = int(handler.rfile.readline().split(b";")[0].strip() or b"0", 16)
            if size == 0:
                handler.rfile.readline()
                return b"".join(chunks)
            chunks.append(handler.rfile.read(size))
            handler.rfile.readline()
    length = int(handler.headers.get("Content-Length") or 0)
    return handler.rfile.read(length) if length else b""


def _make_handler(upstream: urllib.parse.SplitResult, recorder: Recorder):
    class Handler(http.server.BaseHTTPRequestHandler):
        protocol_version = "HTTP/1.1"

        def _forward(self) -> None:
            body = _read_request_body(self)
            headers = {
                k: v for k, v in self.headers.items() if k.lower() not in HOP_BY_HOP
            }
            if body or self.command in ("POST", "PUT", "PATCH"):
                headers["Content-Length"] = str(len(body))
            conn = http.client.HTTPConnection(upstream.hostname, upstream.port, timeout=60)
            try:
                conn.request(self.command, self.path, body=body, headers=headers)
                resp = conn.getresponse()
                payload = resp.read()
                resp_headers = resp.getheaders()
                status, reason = resp.status, resp.reason
            except OSError as err:
                payload = f"proxy could not reach emulator: {err}".encode()
                resp_headers = [("Content-Type", "text/plain")]
                status, reason = 502, "Bad Gateway"
            finally:
                conn.close()
            self._record(status, resp_headers, payload)
            self.send_response(status, reason)
            for k, v in resp_headers:
                if k.lower() not in HOP_BY_HOP:
                    self.send_header(k, v)
            self.send_header("Content-Length", str(len(payload)))
            self.end_headers()
            if self.command != "HEAD":
                self.wfile.write(payload)

        def _record(self, status: int, headers: list, payload: bytes) -> None:
            parts = urllib.parse.urlsplit(self.path)
            lowered = {k.lower(): v for k, v in headers}
            data = payload
            if lowered.get("content-encoding", "").lower() == "gzip":
                data = gzip.decompress(payload)
            content_type = lowered.get("content-type", "")
            try:
                decoded = json.loads(data) if data else None
            except ValueError:
                decoded = data.decode(errors="replace")
            exchange = Exchange(
                method=self.command,
                path=urllib.parse.unquote(parts.path),
                query=parts.query,
                status=status,
                content_type=content_type,
                body=decoded,
                user_agent=self.headers.get("User-Agent", ""),
            )
            with recorder.lock:
                recorder.exchanges.append(exchange)

        do_GET = do_POST = do_PATCH = do_PUT = do_DELETE = do_HEAD = _forward

        def log_message(self, *args) -> None:  # keep pytest output clean
            pass

    return Handler


@pytest.fixture(scope="session")
def recorder(emulator: Emulator) -> Recorder:
    upstream = urllib.parse.urlsplit(emulator.url)
    rec = Recorder(url="")
    server = http.server.ThreadingHTTPServer(
        ("127.0.0.1", 0), _make_handler(upstream, rec)
    )
    server.daemon_threads = True
    rec.url = f"http://127.0.0.1:{server.server_address[1]}"
    thread = threading.Thread(target=server.serve_forever, daemon=True)
    thread.start()
    yield rec
    server.shutdown()
    server.server_close()


# --------------------------------------------------------------------------
# Plain HTTP, for what no Google client exposes (and for exact wire checks)
# --------------------------------------------------------------------------


@dataclass
class Reply:
    """Status, headers and decoded JSON body of one raw HTTP call."""

    status: int
    headers: dict  # names lower-cased
    body: object


class RawApi:
    """Minimal JSON-over-HTTP caller with the bearer token real clients send."""

    def __init__(self, base_url: str, token: str | None = ACCESS_TOKEN):
        self.base_url = base_url
        self.token = token

    def call(
        self,
        method: str,
        path: str,
        body: object = None,
        query: dict | None = None,
        token: str | None = "default",
    ) -> Reply:
        url = self.base_url + path
        if query:
            url += "?" + urllib.parse.urlencode(query)
        data = None if body is None else json.dumps(body).encode()
        req = urllib.request.Request(url, data=data, method=method)
        bearer = self.token if token == "default" else token
        if bearer:
            req.add_header("Authorization", f"Bearer {bearer}")
        if data is not None:
            req.add_header("Content-Type", "application/json")
        try:
            with urllib.request.urlopen(req, timeout=60) as resp:
                status, headers, raw = resp.status, dict(resp.headers), resp.read()
        except urllib.error.HTTPError as err:
            status, headers, raw = err.code, dict(err.headers), err.read()
        try:
            decoded = json.loads(raw) if raw else None
        except ValueError:
            decoded = raw.decode(errors="replace")
        headers = {k.lower(): v for k, v in headers.items()}
        return Reply(status=status, headers=headers, body=decoded)


@pytest.fixture(scope="session")
def api(recorder: Recorder) -> RawApi:
    """Raw calls through the recorder, so their answers are contract-checked too."""
    return RawApi(recorder.url)


@pytest.fixture(scope="session")
def direct_api(emulator: Emulator) -> RawApi:
    """Raw calls straight to the emulator, for exact status/header checks."""
    return RawApi(emulator.url)


# --------------------------------------------------------------------------
# gcloud, isolated from the developer's own configuration
# --------------------------------------------------------------------------


@dataclass
class GcloudResult:
    """Exit code and output of one gcloud run."""

    returncode: int
    stdout: str
    stderr: str

    def json(self) -> object:
        return json.loads(self.stdout) if self.stdout.strip() else None


class Gcloud:
    """Runs the preinstalled gcloud against the emulator with an isolated config."""

    def __init__(self, env: dict, workdir: Path):
        self.env = env
        self.workdir = workdir

    def run(self, *args: str, check: bool = True) -> GcloudResult:
        proc = subprocess.run(
            ["gcloud", *args],
            env=self.env,
            cwd=self.workdir,
            capture_output=True,
            text=True,
            timeout=180,
        )
        result = GcloudResult(proc.returncode, proc.stdout, proc.stderr)
        if check and proc.returncode != 0:
            raise AssertionError(
                f"gcloud {' '.join(args)} failed with {proc.returncode}:\n{proc.stderr}"
            )
        return result

    def json(self, *args: str) -> object:
        return self.run(*args, "--format=json").json()


@pytest.fixture(scope="session")
def gcloud(recorder: Recorder, tmp_path_factory) -> Gcloud:
    if shutil.which("gcloud") is None:
        pytest.fail("gcloud is not on PATH; the conformance suite needs it", pytrace=False)
    home = tmp_path_factory.mktemp("gcloud")
    token_file = home / "access-token"
    token_file.write_text(ACCESS_TOKEN + "\n")
    config_dir = home / "config"
    config_dir.mkdir()
    env = {k: v for k, v in os.environ.items() if not k.startswith("CLOUDSDK_")}
    for leak in ("GOOGLE_APPLICATION_CREDENTIALS", "GOOGLE_CLOUD_PROJECT"):
        env.pop(leak, None)
    root = recorder.url + "/"  # gcloud wants the root URL with a trailing slash
    env.update(
        {
            "CLOUDSDK_CONFIG": str(config_dir),
            "CLOUDSDK_CORE_DISABLE_PROMPTS": "1",
            "CLOUDSDK_CORE_PROJECT": PROJECT_ID,
            "CLOUDSDK_AUTH_ACCESS_TOKEN_FILE": str(token_file),
            "CLOUDSDK_CORE_DISABLE_USAGE_REPORTING": "1",
            "CLOUDSDK_COMPONENT_MANAGER_DISABLE_UPDATE_CHECK": "1",
            "CLOUDSDK_API_ENDPOINT_OVERRIDES_SECRETMANAGER": root,
            "CLOUDSDK_API_ENDPOINT_OVERRIDES_ARTIFACTREGISTRY": root,
            "CLOUDSDK_API_ENDPOINT_OVERRIDES_CLOUDRESOURCEMANAGER": root,
            "CLOUDSDK_API_ENDPOINT_OVERRIDES_SERVICEUSAGE": root,
        }
    )
    return Gcloud(env, home)


# --------------------------------------------------------------------------
# Google's Python clients, REST transport
# --------------------------------------------------------------------------


def _credentials():
    from google.oauth2.credentials import Credentials

    return Credentials(ACCESS_TOKEN)


@pytest.fixture(scope="session")
def secret_client(recorder: Recorder):
    from google.cloud import secretmanager_v1

    return secretmanager_v1.SecretManagerServiceClient(
        transport="rest",
        client_options={"api_endpoint": recorder.url},
        credentials=_credentials(),
    )


@pytest.fixture(scope="session")
def registry_client(recorder: Recorder):
    from google.cloud import artifactregistry_v1

    return artifactregistry_v1.ArtifactRegistryClient(
        transport="rest",
        client_options={"api_endpoint": recorder.url},
        credentials=_credentials(),
    )


def b64(data: bytes) -> str:
    """Standard base64, as Google's JSON encodes `bytes` fields."""
    return base64.b64encode(data).decode()
