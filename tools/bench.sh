#!/usr/bin/env bash
# `make bench`: speed and memory of the provider against the local
# gcp-emulator, reported as ratios from one run (BENCHMARKS.md explains each
# number). Not part of `make test`: nothing here asserts a time. Only
# loopback traffic; every Terraform run is bounded by a timeout, so the
# script always ends (about two minutes on two cores once built).
#
#   BENCH_PROFILE=dev (default) | bench   cargo profile of the codec loop
#   BENCH_OUT=FILE                        where the results table goes
#                                         (default .tools/bench-results.md)
set -euo pipefail

root="$(cd "$(dirname "$0")/.." && pwd)"
cd "$root"
# shellcheck source=tools/bench_config.sh
source tools/bench_config.sh

profile="${BENCH_PROFILE:-dev}"
out="${BENCH_OUT:-$root/.tools/bench-results.md}"
# Repositories in the scale run; the first run always has one.
many=20
# Upper bound for one Terraform command: a hung provider ends the bench.
tf_timeout=300

work="$(mktemp -d "${TMPDIR:-/tmp}/pypi-bench.XXXXXX")"
# PIDs this script started, stopped on exit.
pids=()
cleanup() {
    local pid
    for pid in "${pids[@]}"; do
        kill "$pid" 2>/dev/null || true
        wait "$pid" 2>/dev/null || true
    done
    rm -rf "$work"
}
trap cleanup EXIT

log() { printf 'bench: %s\n' "$*" >&2; }
now_ms() { date +%s%3N; }

# Only the bench's own settings: nothing from the machine's Terraform or Google setup.
for var in $(env | sed -n 's/^\(TF_[A-Za-z0-9_]*\|GOOGLE_[A-Za-z0-9_]*\)=.*/\1/p'); do unset "$var"; done
printf '' >"$work/terraformrc"
export TF_CLI_CONFIG_FILE="$work/terraformrc" CHECKPOINT_DISABLE=1 TF_INPUT=0

log "building the provider and the emulator (cargo, dev profile)"
"${CARGO:-cargo}" build --quiet --workspace --bins
bash tools/bootstrap.sh --primary
terraform="$root/.tools/bin/terraform"
# Wherever cargo put them: CARGO_TARGET_DIR (a shared target directory) or ./target.
bin_dir="$(bash tools/target-dir.sh)/debug"
provider_bin="$bin_dir/terraform-provider-pypi"
emulator_bin="$bin_dir/gcp-emulator"

# start_emulator NAME LATENCY_MS SEED: starts gcp-emulator; sets emulator_url.
start_emulator() {
    local name="$1" latency="$2" seed="$3" i
    "$emulator_bin" --listen 127.0.0.1:0 --seed "$seed" --latency-ms "$latency" \
        >"$work/$name.emulator.out" 2>"$work/$name.emulator.err" &
    pids+=("$!")
    emulator_url=""
    for i in $(seq 1 300); do
        emulator_url="$(sed -n 's/^gcp-emulator listening on \(http:\/\/[^ ]*\).*/\1/p' "$work/$name.emulator.out" | head -1)"
        [[ -n "$emulator_url" ]] && break
        sleep 0.1
    done
    [[ -n "$emulator_url" ]] || { cat "$work/$name.emulator.err" >&2; log "emulator did not start"; exit 1; }
    emulator_url="${emulator_url%/}"
}

# start_provider NAME: runs the provider in -debug mode (one long-lived
# process whose PID we know, for /proc) and points Terraform at it through
# TF_REATTACH_PROVIDERS; sets provider_pid. Its DEBUG log has every RPC's
# start and end, which the analysis uses to find ApplyResourceChange.
start_provider() {
    local name="$1" i reattach=""
    TF_LOG_PROVIDER=DEBUG "$provider_bin" -debug \
        >"$work/$name.provider.out" 2>"$work/$name.provider.log" &
    provider_pid=$!
    pids+=("$provider_pid")
    for i in $(seq 1 300); do
        reattach="$(sed -n "s/^[[:space:]]*TF_REATTACH_PROVIDERS='\(.*\)'\$/\1/p" "$work/$name.provider.out")"
        [[ -n "$reattach" ]] && break
        sleep 0.1
    done
    [[ -n "$reattach" ]] || { log "provider did not start in -debug mode"; exit 1; }
    export TF_REATTACH_PROVIDERS="$reattach"
}

# hwm_kb PID: peak resident set size (VmHWM) of a process we started, in kB.
hwm_kb() { awk '/^VmHWM:/{print $2}' "/proc/$1/status"; }

# tf NAME ARGS...: one bounded Terraform command; its wall time goes to NAME.ms.
tf() {
    local name="$1" start end code
    shift
    start="$(now_ms)"
    set +e
    timeout "$tf_timeout" "$terraform" "$@" -no-color >"$work/$name.tf.log" 2>&1
    code=$?
    set -e
    end="$(now_ms)"
    echo $((end - start)) >"$work/$name.ms"
    if [[ $code -ne 0 && $code -ne 2 ]]; then
        tail -30 "$work/$name.tf.log" >&2
        log "$name: terraform failed (exit $code)"
    fi
    return "$code"
}

# requests NAME: saves the emulator's request log.
requests() { curl --silent --show-error --fail "$emulator_url/_emulator/requests" >"$work/$1.requests.json"; }

# write_config DIR: a configuration with one pypi_remote_auth per repository in var.repositories.
write_config() {
    mkdir -p "$1"
    {
        bench_preamble demo-project
        cat <<'EOF'

variable "repositories" { type = set(string) }

resource "pypi_remote_auth" "bench" {
  for_each = var.repositories

  location   = "us-central1"
  repository = each.key
  secret_id  = "pypi-upstream-token"

  token_wo         = var.pypi_token
  token_wo_version = 1
}
EOF
    } >"$1/main.tf"
}

# write_seed FILE N: demo-project with N PyPI remote repositories and no secret.
write_seed() {
    python3 - "$1" "$2" <<'EOF'
import json, sys
path, n = sys.argv[1], int(sys.argv[2])
repos = [{
    "project": "demo-project", "location": "us-central1",
    "repositoryId": f"pypi-remote-{i:02d}", "format": "PYTHON", "mode": "REMOTE_REPOSITORY",
    "remoteRepositoryConfig": {"pythonRepository": {"publicRepository": "PYPI"}},
} for i in range(1, n + 1)]
seed = {"projects": [{"id": "demo-project", "number": "123456789012"}], "repositories": repos}
with open(path, "w") as f:
    json.dump(seed, f)
EOF
}

# scenario NAME LATENCY_MS N: init, idle memory after GetProviderSchema,
# apply creating N resources, memory after it, then a no-change plan.
scenario() {
    local name="$1" latency="$2" n="$3" dir="$work/$1" repos
    write_seed "$work/$name.seed.json" "$n"
    write_config "$dir"
    start_emulator "$name" "$latency" "$work/$name.seed.json"
    start_provider "$name"
    repos="[$(seq -f '"pypi-remote-%02g"' -s, 1 "$n")]"
    export TF_VAR_endpoint="$emulator_url/" TF_VAR_repositories="$repos" TF_VAR_pypi_token="pypi-bench-token"
    tf "$name.init" -chdir="$dir" init
    tf "$name.schema" -chdir="$dir" providers schema -json
    hwm_kb "$provider_pid" >"$work/$name.idle.kb"
    log "$name: terraform apply ($n resources, emulator latency ${latency} ms)"
    local applied=0
    tf "$name.apply" -chdir="$dir" apply -auto-approve || applied=$?
    hwm_kb "$provider_pid" >"$work/$name.apply.kb"
    requests "$name.apply"
    # A failed apply is a result, not the end of the bench: count the failed
    # resources, then converge with a second apply as a user would.
    grep -c '^Error: ' "$work/$name.apply.tf.log" >"$work/$name.apply.errors" || true
    if [[ $applied -ne 0 ]]; then
        log "$name: the apply failed for $(cat "$work/$name.apply.errors") resource(s); applying again"
        tf "$name.reapply" -chdir="$dir" apply -auto-approve
    fi
    requests "$name.applied"
    log "$name: terraform plan (no changes expected)"
    local code=0
    tf "$name.plan" -chdir="$dir" plan -detailed-exitcode || code=$?
    [[ $code -eq 0 ]] || { cat "$work/$name.plan.tf.log" >&2; log "$name: plan was not empty (exit $code)"; exit 1; }
    requests "$name.plan"
    kill "${pids[@]}" 2>/dev/null || true
    wait "${pids[@]}" 2>/dev/null || true
    pids=()
}

scenario create 50 1
scenario one 20 1
scenario many 20 "$many"

log "codec: cargo bench --profile $profile --bench codec"
"${CARGO:-cargo}" bench --quiet --profile "$profile" --bench codec >"$work/codec.out"

mkdir -p "$(dirname "$out")"
python3 - "$work" "$many" "$profile" "$(nproc)" >"$out" <<'EOF'
import datetime, json, sys

work, many, profile, cores = sys.argv[1], int(sys.argv[2]), sys.argv[3], sys.argv[4]

def read(name):
    with open(f"{work}/{name}") as f:
        return f.read().strip()

def api_requests(name):
    # The emulator's admin calls are not logged; these are all API requests.
    return json.loads(read(f"{name}.requests.json"))

def arc_windows(name):
    """Times (start_ms, end_ms) when at least one ApplyResourceChange was running,
    from the provider's DEBUG log (concurrent calls merge into one window)."""
    depth, start, windows = 0, 0.0, []
    for line in read(f"{name}.provider.log").splitlines():
        try:
            entry = json.loads(line)
        except ValueError:
            continue
        if entry.get("tf_rpc") != "ApplyResourceChange":
            continue
        ts = datetime.datetime.strptime(entry["@timestamp"], "%Y-%m-%dT%H:%M:%S.%fZ")
        ms = ts.replace(tzinfo=datetime.timezone.utc).timestamp() * 1000
        if entry.get("@message") == "Received request":
            if depth == 0:
                start = ms
            depth += 1
        elif entry.get("@message") == "Served request" and depth > 0:
            depth -= 1
            if depth == 0:
                windows.append((start, ms))
    return windows

def during(requests, windows):
    # Request times are whole milliseconds: widen each window by 1 ms.
    return [r for r in requests
            if any(a - 1 <= r["start_ms"] and r["end_ms"] <= b + 1 for a, b in windows)]

def span(requests):
    return max(r["end_ms"] for r in requests) - min(r["start_ms"] for r in requests)

rows = []
def row(what, ratio, raw):
    rows.append(f"| {what} | **{ratio}** | {raw} |")

# 1. Concurrency of the create path.
reqs = api_requests("create.apply")
windows = arc_windows("create")
arc = during(reqs, windows)
wall = span(arc)
serial = len(arc) * 50
rpc = windows[0][1] - windows[0][0]
row("1. create: ApplyResourceChange wall / (requests × 50 ms)", f"{wall / serial:.2f}",
    f"{wall} ms / ({len(arc)} × 50 ms = {serial} ms); RPC {rpc:.0f} ms; "
    f"whole `apply` {len(reqs)} requests, {read('create.apply.ms')} ms")

# 2. Scale: one secret shared by `many` repositories.
t1, tn = int(read("one.apply.ms")), int(read("many.apply.ms"))
r1, rn = len(api_requests("one.apply")), len(api_requests("many.apply"))
failed = {name: int(read(f"{name}.apply.errors") or 0) for name in ("create", "one", "many")}
note = "".join(f"; **{name}: {k} resource(s) FAILED**, second apply converged"
               for name, k in failed.items() if k)
row(f"2. scale: apply T({many}) / T(1), emulator 20 ms", f"{tn / t1:.2f}",
    f"T(1) = {t1} ms, T({many}) = {tn} ms (whole `terraform apply`){note}")
arc1 = span(during(api_requests("one.apply"), arc_windows("one")))
arcn = span(during(api_requests("many.apply"), arc_windows("many")))
row(f"2. scale: ApplyResourceChange span {many} / 1", f"{arcn / arc1:.2f}",
    f"{arc1} ms vs {arcn} ms (first request to last, all resources)")
row(f"2. scale: API requests per repository, {many} / 1", f"{(rn / many) / r1:.2f}",
    f"{r1} for 1; {rn} for {many} = {rn / many:.1f} each")

# 3. Refresh cost: requests of a no-change plan, per resource.
p1 = len(api_requests("one.plan")) - len(api_requests("one.applied"))
pn = len(api_requests("many.plan")) - len(api_requests("many.applied"))
row(f"3. refresh: plan requests per resource, {many} / 1", f"{(pn / many) / p1:.2f}",
    f"{p1} for 1; {pn} for {many} = {pn / many:.1f} each")

# 4. Codec.
codec = dict(line.split()[1:3] for line in read("codec.out").splitlines() if line.startswith("BENCH "))
row("4. codec: msgpack decode+encode / serde_json encode+decode", codec["codec_msgpack_vs_serde_json_ratio"],
    f"{codec['codec_msgpack_round_trip_ns']} ns vs {codec['codec_serde_json_round_trip_ns']} ns "
    f"({codec['codec_state_msgpack_bytes']} B msgpack, {codec['codec_state_json_bytes']} B JSON; "
    f"own JSON codec {codec['codec_json_round_trip_ns']} ns; `{profile}` profile)")

# 5. Memory.
idle, peak = int(read("many.idle.kb")), int(read("many.apply.kb"))
one_peak = int(read("one.apply.kb"))
row(f"5. memory: peak RSS after {many}-repository apply / idle", f"{peak / idle:.2f}",
    f"idle {idle} kB after GetProviderSchema; {peak} kB after {many} (1 repository: {one_peak} kB)")

print(f"`make bench` on {cores} cores, {datetime.date.today().isoformat()}; provider and emulator: debug build.\n")
print("| Benchmark | Ratio | Raw numbers |")
print("| --- | --- | --- |")
print("\n".join(rows))
EOF
cat "$out"
log "results in ${out#"$root"/}"

# Start-up beside Go's null provider, release build (BENCHMARKS.md, "Start-up").
bash tools/bench_startup.sh
