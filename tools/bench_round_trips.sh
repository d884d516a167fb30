#!/usr/bin/env bash
# Part of `make bench`: the API requests the workflow costs when Terraform
# runs the provider as users do (dev_overrides: a new provider process for
# each walk, so nothing is shared between a plan and the apply that follows
# it), counted in the emulator's request log. Prints a markdown table; no
# figure here is asserted anywhere (tests/remote_auth_round_trips.rs asserts
# the behaviour behind them).
#
#   ROUND_TRIPS_SCALE=N         resources in the scale run (default 1000, the
#                               issue's run; 200 takes a fifth of the time)
#   ROUND_TRIPS_QUOTA_RPS=R     the emulator's quota in the scale run (default 100)
#   ROUND_TRIPS_PARALLELISM=P   space-separated -parallelism values (default "10 50")
set -euo pipefail

root="$(cd "$(dirname "$0")/.." && pwd)"
cd "$root"
# shellcheck source=tools/bench_config.sh
source tools/bench_config.sh
scale="${ROUND_TRIPS_SCALE:-1000}"
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
# Terraform runs the provider through this wrapper, which appends each
# process's peak RSS (kB) to the file named by ROUND_TRIPS_RSS_LOG (set by tf
# below for the scale runs); without GNU time the figure is left out. The
# other runs exec the provider directly: under GNU time its parent would not
# be Terraform, and the walks of one run could not share the run's cache.
mkdir -p "$work/providers"
if [[ -x /usr/bin/time ]]; then
    cat >"$work/providers/terraform-provider-pypi" <<EOF
#!/usr/bin/env bash
[[ -n "\${ROUND_TRIPS_RSS_LOG:-}" ]] || exec "$bin_dir/terraform-provider-pypi" "\$@"
exec /usr/bin/time --append --output="\$ROUND_TRIPS_RSS_LOG" --format=%M "$bin_dir/terraform-provider-pypi" "\$@"
EOF
    chmod +x "$work/providers/terraform-provider-pypi"
else
    ln -s "$bin_dir/terraform-provider-pypi" "$work/providers/terraform-provider-pypi"
fi
cat >"$work/terraformrc" <<EOF
provider_installation {
  dev_overrides { "pypiauth/pypi" = "$work/providers" }
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
    local rss_log=""
    case "$name" in scale-* | floor-* | slope-*) rss_log="$work/$name.rss" && : >"$rss_log" ;; esac
    ROUND_TRIPS_RSS_LOG="$rss_log" TF_VAR_endpoint="$url/" TF_VAR_pypi_token="pypi-bench-token" \
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

# The anchor for the create: the guide's commands, as a user runs them with
# gcloud, against the same emulator at the same latency (skipped without gcloud).
gcloud_anchor() {
    local env_file="$work/gcloud.env" i
    command -v gcloud >/dev/null || return 0
    seed "$work/gcloud.seed.json" 1 1
    start gcloud --seed "$work/gcloud.seed.json" --latency-ms 50
    mkdir -p "$work/gcloud-config"
    printf 'gcloud-bench-token\n' >"$work/gcloud-token"
    printf 'pypi-bench-token' >"$work/gcloud-pypi-token"
    local gc=(env -u GOOGLE_APPLICATION_CREDENTIALS -u GOOGLE_CLOUD_PROJECT
        CLOUDSDK_CONFIG="$work/gcloud-config" CLOUDSDK_CORE_DISABLE_PROMPTS=1
        CLOUDSDK_CORE_PROJECT=bench-00 CLOUDSDK_AUTH_ACCESS_TOKEN_FILE="$work/gcloud-token"
        CLOUDSDK_CORE_DISABLE_USAGE_REPORTING=1 CLOUDSDK_COMPONENT_MANAGER_DISABLE_UPDATE_CHECK=1
        CLOUDSDK_API_ENDPOINT_OVERRIDES_SECRETMANAGER="$url/"
        CLOUDSDK_API_ENDPOINT_OVERRIDES_ARTIFACTREGISTRY="$url/"
        CLOUDSDK_API_ENDPOINT_OVERRIDES_CLOUDRESOURCEMANAGER="$url/"
        gcloud --quiet --format=none)
    # One warm-up command: gcloud compiles its Python on first use.
    "${gc[@]}" projects describe bench-00 >/dev/null 2>&1 || true
    requests gcloud.0
    local start number
    start="$(now_ms)"
    {
        "${gc[@]}" secrets create pypi-token --replication-policy=automatic &&
            "${gc[@]}" secrets versions add pypi-token --data-file="$work/gcloud-pypi-token" &&
            number="$("${gc[@]/--format=none/--format=value(projectNumber)}" projects describe bench-00)" &&
            "${gc[@]}" secrets add-iam-policy-binding pypi-token \
                --member="serviceAccount:service-$number@gcp-sa-artifactregistry.iam.gserviceaccount.com" \
                --role=roles/secretmanager.secretAccessor &&
            "${gc[@]}" artifacts repositories update pypi-remote-0000 --location=us-central1 \
                --remote-username=__token__ \
                --remote-password-secret-version="projects/bench-00/secrets/pypi-token/versions/1"
    } >"$work/gcloud.log" 2>&1 || { tail -20 "$work/gcloud.log" >&2; log "gcloud anchor failed"; }
    echo $(($(now_ms) - start)) >"$work/gcloud.ms"
    requests gcloud.1
    stop
}
gcloud_anchor
run sharers 20 1 1 20 0 10
for par in $parallelisms; do
    run "scale-p$par" "$scale" 10 10 20 "$quota" "$par"
    # The same run without a quota: Terraform's and the provider's own floor
    # at this size, the second anchor beside the quota bound.
    run "floor-p$par" "$scale" 10 10 20 0 "$par"
done
# A fifth of the resources, for the slope of the provider's peak RSS.
slope_n=$((scale / 5))
run slope-p10 "$slope_n" 10 10 20 0 10

python3 - "$work" "$scale" "$quota" "$parallelisms" "$slope_n" <<'EOF'
import json, sys, collections
work, scale, quota, pars = sys.argv[1], int(sys.argv[2]), int(sys.argv[3]), sys.argv[4].split()
slope_n = int(sys.argv[5])
def reqs(name, i):
    return json.load(open(f"{work}/{name}.{i}.json"))
def phase(name, i):
    return reqs(name, i)[len(reqs(name, i - 1)):]
def ms(name):
    return int(open(f"{work}/{name}.ms").read())
def peak_rss(name):
    """The largest peak RSS (kB) of the provider processes of one command, or None."""
    try:
        lines = open(f"{work}/{name}.rss").read().split()
    except OSError:
        return None
    values = [int(v) for v in lines if v.isdigit()]
    return max(values) if values else None
def errors(name):
    return int(open(f"{work}/{name}.errors").read() or 0)

import datetime, os
print(f"`tools/bench_round_trips.sh` on {os.cpu_count()} cores, {datetime.date.today().isoformat()}; provider and emulator: debug build; "
      f"{scale} resources in the scale runs, quota {quota} rps.\n")
print("| Figure | Measured | Anchor |")
print("| --- | --- | --- |")
apply = phase("create", 1)
kinds = collections.Counter(f"{r['method']} {r['path'].rsplit('/', 1)[-1].split(':')[-1] if ':' in r['path'] else r['method']}" for r in apply)
writes = [r for r in apply if r["method"] in ("POST", "PATCH", "DELETE") and not r["path"].endswith(":testIamPermissions")]
print(f"| one `terraform apply` creating one resource: API requests | **{len(apply)}** ({len(writes)} writes) | issue target 9: the guide's 5 writes + project number + repository read + one preflight (Terraform plans twice in `apply`; the apply walk's plan takes the plan walk's answers from the run's cache) |")
chain = 4 * 50
create_span = None
for r in apply:
    if r["method"] == "POST" and r["path"].endswith("/secrets"):
        first = r["start_ms"]
        last = max(x["end_ms"] for x in apply)
        create_span = last - first
if create_span is not None:
    print(f"| create: first write to last answer, emulator 50 ms | **{create_span} ms** = {create_span / chain:.2f}× | dependent chain create → add version ∥ policy read-modify-write → repository patch: 4 × 50 ms = {chain} ms |")
try:
    gcloud = phase("gcloud", 1)
    tf_ms = ms("create.apply")
    g_ms = ms("gcloud")
    print(f"| one `terraform apply` creating one resource, emulator 50 ms: wall time of the command | **{tf_ms} ms**, {len(apply)} requests | the guide's five gcloud commands, same emulator: {g_ms} ms, {len(gcloud)} requests; ratio {tf_ms / g_ms:.2f} in time, {len(apply) / max(1, len(gcloud)):.1f}× the requests |")
except OSError:
    print("| one `terraform apply` creating one resource: wall time | — | gcloud is not on PATH: no anchor |")
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
rss_rows = []
for what in ("apply", "plan", "destroy"):
    small, large = peak_rss(f"slope-p10.{what}"), peak_rss(f"floor-p10.{what}")
    if small is None or large is None:
        continue
    slope = (large - small) / (scale - slope_n)
    rss_rows.append(f"| provider peak RSS, {what}, `-parallelism=10`: {slope_n} → {scale} resources | **{small / 1024:.1f} → {large / 1024:.1f} MB**, slope {slope:.2f} kB per resource | issue target: flat in the number of resources |")
for par in pars:
    values = [peak_rss(f"{kind}-p{par}.{what}") for kind in ("scale", "floor") for what in ("apply", "plan", "destroy")]
    values = [v for v in values if v is not None]
    if values:
        rss_rows.append(f"| provider peak RSS, largest process of the {scale}-resource runs, `-parallelism={par}` | **{max(values) / 1024:.1f} MB** | — |")
for row in rss_rows:
    print(row)
EOF
