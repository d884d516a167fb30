#!/usr/bin/env bash
# Part of `make bench`: the API requests the workflow costs when Terraform
# runs the provider as users do (dev_overrides: a new provider process for
# each walk, so nothing is shared between a plan and the apply that follows
# it), counted in the emulator's request log. Prints a markdown table; no
# figure here is asserted anywhere (tests/remote_auth_round_trips.rs asserts
# the behaviour behind them).
#
#   ROUND_TRIPS_SCALE=N         resources in the scale run (default 200; the
#                               issue's full run is 1000)
#   ROUND_TRIPS_QUOTA_RPS=R     the emulator's quota in the scale run (default 100)
#   ROUND_TRIPS_PARALLELISM=P   space-separated -parallelism values (default "10 50")
set -euo pipefail

root="$(cd "$(dirname "$0")/.." && pwd)"
cd "$root"
# shellcheck source=tools/bench_config.sh
source tools/bench_config.sh
scale="${ROUND_TRIPS_SCALE:-200}"
quota="${ROUND_TRIPS_QUOTA_RPS:-100}"
parallelisms="${ROUND_TRIPS_PARALLELISM:-10 50}"
tf_timeout=1800

work="$(mktemp -d "${TMPDIR:-/tmp}/pypi-round-trips.XXXXXX")"
pids=()
cleanup() {
    local pid
    for pid in "${pids[@]}"; do kill "$pid" 2>/dev/null || true; wait "$pid" 2>/dev/null || true; done
    rm -rf "$work"
}
trap cleanup EXIT
log() { printf 'round-trips: %s\n' "$*" >&2; }
now_ms() { date +%s%3N; }

for var in $(env | sed -n 's/^\(TF_[A-Za-z0-9_]*\|GOOGLE_[A-Za-z0-9_]*\)=.*/\1/p'); do unset "$var"; done
export CHECKPOINT_DISABLE=1 TF_INPUT=0

"${CARGO:-cargo}" build --quiet --workspace --bins
bash tools/bootstrap.sh --primary >&2
terraform="$root/.tools/bin/terraform"
bin_dir="$(bash tools/target-dir.sh)/debug"
cat >"$work/terraformrc" <<EOF
provider_installation {
  dev_overrides { "pypiauth/pypi" = "$bin_dir" }
  direct {}
}
EOF
export TF_CLI_CONFIG_FILE="$work/terraformrc"

# seed FILE N PROJECTS: N PyPI remote repositories spread over PROJECTS projects.
seed() {
    python3 - "$1" "$2" "$3" <<'EOF'
import json, sys
path, n, projects = sys.argv[1], int(sys.argv[2]), int(sys.argv[3])
ps = [{"id": f"bench-{p:02d}", "number": f"{100000000000 + p}"} for p in range(projects)]
repos = [{
    "project": ps[i % projects]["id"], "location": "us-central1",
    "repositoryId": f"pypi-remote-{i:04d}", "format": "PYTHON", "mode": "REMOTE_REPOSITORY",
    "remoteRepositoryConfig": {"pythonRepository": {"publicRepository": "PYPI"}},
} for i in range(n)]
json.dump({"projects": ps, "repositories": repos}, open(path, "w"))
EOF
}

# config DIR N PROJECTS SECRETS: resource i on repository i of project
# i % PROJECTS, using secret i % SECRETS in the first project.
config() {
    mkdir -p "$1"
    {
        bench_preamble bench-00
        cat <<EOF

resource "pypi_remote_auth" "r" {
  count            = $2
  project          = format("bench-%02d", count.index % $3)
  location         = "us-central1"
  repository       = format("pypi-remote-%04d", count.index)
  secret_project   = "bench-00"
  secret_id        = format("pypi-token-%02d", count.index % $4)
  token_wo         = var.pypi_token
  token_wo_version = 1
}
EOF
    } >"$1/main.tf"
}

# start NAME ARGS...: starts the emulator; sets url.
start() {
    local name="$1" i
    shift
    "$bin_dir/gcp-emulator" --listen 127.0.0.1:0 "$@" >"$work/$name.out" 2>"$work/$name.err" &
    pids+=("$!")
    url=""
    for i in $(seq 1 300); do
        url="$(sed -n 's/^gcp-emulator listening on \(http:\/\/[^ ]*\).*/\1/p' "$work/$name.out" | head -1)"
        [[ -n "$url" ]] && break
        sleep 0.1
    done
    [[ -n "$url" ]] || { cat "$work/$name.err" >&2; exit 1; }
    url="${url%/}"
}
stop() { kill "${pids[@]}" 2>/dev/null || true; wait "${pids[@]}" 2>/dev/null || true; pids=(); }
requests() { curl --silent --show-error --fail "$url/_emulator/requests" >"$work/$1.json"; }

# tf NAME DIR ARGS...: one bounded Terraform command; wall time to NAME.ms.
tf() {
    local name="$1" dir="$2" start code=0
    shift 2
    start="$(now_ms)"
    TF_VAR_endpoint="$url/" TF_VAR_pypi_token="pypi-bench-token" \
        timeout "$tf_timeout" "$terraform" -chdir="$dir" "$@" -no-color >"$work/$name.log" 2>&1 || code=$?
    echo $(($(now_ms) - start)) >"$work/$name.ms"
    grep -c '^Error: ' "$work/$name.log" >"$work/$name.errors" || true
    if [[ $code -ne 0 && $code -ne 2 ]]; then tail -20 "$work/$name.log" >&2; log "$name failed ($code)"; fi
    return 0
}

# run NAME N PROJECTS SECRETS LATENCY QUOTA PARALLELISM: apply, no-change plan, destroy.
run() {
    local name="$1" n="$2" projects="$3" secrets="$4" latency="$5" q="$6" par="$7" dir="$work/$1"
    seed "$work/$name.seed.json" "$n" "$projects"
    config "$dir" "$n" "$projects" "$secrets"
    local args=(--seed "$work/$name.seed.json" --latency-ms "$latency")
    [[ "$q" -gt 0 ]] && args+=(--quota-rps "$q")
    start "$name" "${args[@]}"
    log "$name: $n resources, $projects projects, $secrets secrets, ${latency} ms, quota ${q:-none} rps, -parallelism=$par"
    tf "$name.init" "$dir" init
    requests "$name.0"
    tf "$name.apply" "$dir" apply -auto-approve "-parallelism=$par"
    requests "$name.1"
    tf "$name.plan" "$dir" plan -detailed-exitcode "-parallelism=$par"
    requests "$name.2"
    tf "$name.destroy" "$dir" destroy -auto-approve "-parallelism=$par"
    requests "$name.3"
    stop
}

run create 1 1 1 50 0 10
run sharers 20 1 1 20 0 10
for par in $parallelisms; do
    run "scale-p$par" "$scale" 10 10 20 "$quota" "$par"
    # The same run without a quota: Terraform's and the provider's own floor
    # at this size, the second anchor beside the quota bound.
    run "floor-p$par" "$scale" 10 10 20 0 "$par"
done

python3 - "$work" "$scale" "$quota" "$parallelisms" <<'EOF'
import json, sys, collections
work, scale, quota, pars = sys.argv[1], int(sys.argv[2]), int(sys.argv[3]), sys.argv[4].split()
def reqs(name, i):
    return json.load(open(f"{work}/{name}.{i}.json"))
def phase(name, i):
    return reqs(name, i)[len(reqs(name, i - 1)):]
def ms(name):
    return int(open(f"{work}/{name}.ms").read())
def errors(name):
    return int(open(f"{work}/{name}.errors").read() or 0)

print("| Figure | Measured | Anchor |")
print("| --- | --- | --- |")
apply = phase("create", 1)
kinds = collections.Counter(f"{r['method']} {r['path'].rsplit('/', 1)[-1].split(':')[-1] if ':' in r['path'] else r['method']}" for r in apply)
writes = [r for r in apply if r["method"] in ("POST", "PATCH", "DELETE") and not r["path"].endswith(":testIamPermissions")]
print(f"| one `terraform apply` creating one resource: API requests | **{len(apply)}** ({len(writes)} writes) | issue target 9; the guide's 5 writes + project number + repository read + one preflight, but Terraform plans twice in `apply` (the plan walk and the apply walk, each a new provider process) |")
chain = 4 * 50
create_span = None
for r in apply:
    if r["method"] == "POST" and r["path"].endswith("/secrets"):
        first = r["start_ms"]
        last = max(x["end_ms"] for x in apply)
        create_span = last - first
if create_span is not None:
    print(f"| create: first write to last answer, emulator 50 ms | **{create_span} ms** = {create_span / chain:.2f}× | dependent chain create → add version ∥ policy read-modify-write → repository patch: 4 × 50 ms = {chain} ms |")
print(f"| no-change `plan`, 1 resource: API requests | **{len(phase('create', 2))}** | repository + versions + policy = 3 |")
p20 = phase("sharers", 2)
print(f"| no-change `plan`, 20 resources sharing one secret | **{len(p20)}** requests | issue target 24 (20 repositories + the secret's versions + its policy = 22) |")
print(f"| `apply` of 20 sharers: requests per resource | **{len(phase('sharers', 1)) / 20:.1f}** | 1 resource: {len(apply)} |")
print(f"| `destroy` of 20 sharers: requests per resource | **{len(phase('sharers', 3)) / 20:.1f}** | 1 resource: {len(phase('create', 3))} |")
for par in pars:
    name = f"scale-p{par}"
    for i, what in [(1, "apply"), (2, "plan"), (3, "destroy")]:
        rs = phase(name, i)
        answered = [r for r in rs if r.get("status") != 429]
        throttled = len(rs) - len(answered)
        bound = len(answered) / quota * 1000
        floor = ms(f"floor-p{par}.{what}")
        took = ms(name + '.' + what)
        print(f"| scale {scale} resources / 10 projects / 10 secrets, `-parallelism={par}`, {what} | **{took} ms**, {len(rs)} requests ({throttled} answered 429), {errors(name + '.' + what)} errors | quota bound of the {len(answered)} answered requests at {quota} rps: {bound:.0f} ms (ratio {took / bound:.2f}); the same without a quota: {floor} ms, {errors(f'floor-p{par}.{what}')} errors; ratio to the larger of the two {took / max(bound, floor):.2f} |")
EOF
