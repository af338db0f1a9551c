#!/usr/bin/env python3
"""Checks the security and operational properties of manifests rendered from helm/jobmatch.

    check_rendered.py RENDERED.yaml [--expect KIND ...] [--absent KIND ...] [--readme README.md]

Every pod (Deployment, Job, CronJob) runs as non-root with a read-only root filesystem, no privilege
escalation, all capabilities dropped and the RuntimeDefault seccomp profile, has CPU and memory requests and a
memory limit, and mounts no API token; the server has liveness and readiness probes; the CronJob forbids
concurrent runs and runs `rematch --join` as an indexed Job; no ConfigMap holds a credential, and config.toml
is TOML with only the configuration's keys; credentials reach containers from Secrets only; the Service, PDB,
HPA and ServiceMonitor select the server pods and nothing else. Exits 1 with one line per failure.
Needs PyYAML and jsonschema (both come with kubernetes-validate).
"""
import argparse
import re
import sys
import tomllib

import jsonschema
import yaml

# Keys of the configuration the Rust side adds with issue 13 (auth, metrics, traces); the rest come from the
# README's configuration table. A key in config.toml that is in neither is a typo the server would refuse.
NEW_KEYS = {
    "admin_listen",
    "auth",
    "auth.mode",
    "auth.tls_cert",
    "auth.tls_key",
    "auth.client_ca",
    "auth.clients_file",
    "auth.jwt_keys_file",
    "auth.jwt_issuer",
    "auth.jwt_audience",
    "telemetry",
    "telemetry.otlp_endpoint",
    "telemetry.service_name",
}

# The fields of a ServiceMonitor the chart writes, as the Prometheus Operator CRD (monitoring.coreos.com/v1)
# defines them; kubernetes-validate has no schema for custom resources.
SERVICE_MONITOR_SCHEMA = {
    "type": "object",
    "required": ["apiVersion", "kind", "metadata", "spec"],
    "properties": {
        "apiVersion": {"const": "monitoring.coreos.com/v1"},
        "kind": {"const": "ServiceMonitor"},
        "metadata": {
            "type": "object",
            "required": ["name"],
            "properties": {
                "name": {"type": "string", "pattern": "^[a-z0-9]([-a-z0-9]*[a-z0-9])?$", "maxLength": 63},
                "namespace": {"type": "string"},
                "labels": {"type": "object", "additionalProperties": {"type": "string"}},
                "annotations": {"type": "object", "additionalProperties": {"type": "string"}},
            },
        },
        "spec": {
            "type": "object",
            "additionalProperties": False,
            "required": ["selector", "endpoints"],
            "properties": {
                "jobLabel": {"type": "string"},
                "targetLabels": {"type": "array", "items": {"type": "string"}},
                "podTargetLabels": {"type": "array", "items": {"type": "string"}},
                "sampleLimit": {"type": "integer", "minimum": 0},
                "namespaceSelector": {
                    "type": "object",
                    "additionalProperties": False,
                    "properties": {
                        "any": {"type": "boolean"},
                        "matchNames": {"type": "array", "items": {"type": "string"}},
                    },
                },
                "selector": {
                    "type": "object",
                    "additionalProperties": False,
                    "properties": {
                        "matchLabels": {"type": "object", "additionalProperties": {"type": "string"}},
                        "matchExpressions": {"type": "array"},
                    },
                },
                "endpoints": {
                    "type": "array",
                    "minItems": 1,
                    "items": {
                        "type": "object",
                        "additionalProperties": False,
                        "properties": {
                            "port": {"type": "string"},
                            "targetPort": {"type": ["string", "integer"]},
                            "path": {"type": "string", "pattern": "^/"},
                            "scheme": {"enum": ["http", "https"]},
                            "interval": {"type": "string", "pattern": "^(0|(([0-9]+)y)?(([0-9]+)w)?(([0-9]+)d)?(([0-9]+)h)?(([0-9]+)m)?(([0-9]+)s)?(([0-9]+)ms)?)$"},
                            "scrapeTimeout": {"type": "string", "pattern": "^(0|(([0-9]+)y)?(([0-9]+)w)?(([0-9]+)d)?(([0-9]+)h)?(([0-9]+)m)?(([0-9]+)s)?(([0-9]+)ms)?)$"},
                            "honorLabels": {"type": "boolean"},
                            "relabelings": {"type": "array", "items": {"type": "object"}},
                            "metricRelabelings": {"type": "array", "items": {"type": "object"}},
                            "tlsConfig": {"type": "object"},
                        },
                    },
                },
            },
        },
    },
}

SECRET_VALUE = [
    (re.compile(r"-----BEGIN [A-Z ]*PRIVATE KEY-----"), "a private key"),
    (re.compile(r"rediss?://[^\s\"'/@]*:[^\s\"'/@]+@"), "a Redis URL with a password"),
    (re.compile(r"rediss?://"), "a Redis URL (it belongs in a Secret)"),
    (re.compile(r"\beyJ[A-Za-z0-9_-]{8,}\.[A-Za-z0-9_-]{8,}\."), "a JWT"),
]
SECRET_KEY_NAME = re.compile(r"(password|passwd|secret|token|redis_url|private_key|api_key)", re.I)


class Checker:
    def __init__(self, docs, readme):
        self.docs = docs
        self.readme = readme
        self.failures = []

    def fail(self, where, msg):
        self.failures.append(f"{where}: {msg}")

    # --- pods -----------------------------------------------------------------------------------------
    def pod_specs(self):
        for d in self.docs:
            kind, name = d["kind"], d["metadata"]["name"]
            if kind == "Deployment":
                yield d, f"Deployment/{name}", d["spec"]["template"]
            elif kind == "Job":
                yield d, f"Job/{name}", d["spec"]["template"]
            elif kind == "CronJob":
                yield d, f"CronJob/{name}", d["spec"]["jobTemplate"]["spec"]["template"]

    def check_pod(self, where, template):
        spec = template["spec"]
        psc = spec.get("securityContext") or {}
        if psc.get("runAsNonRoot") is not True:
            self.fail(where, "pod securityContext.runAsNonRoot is not true")
        if psc.get("runAsUser") == 0:
            self.fail(where, "pod runs as uid 0")
        for flag in ("hostNetwork", "hostPID", "hostIPC"):
            if spec.get(flag):
                self.fail(where, f"{flag} is set")
        if spec.get("automountServiceAccountToken") is not False:
            self.fail(where, "automountServiceAccountToken is not false (jobmatch never calls the API server)")
        for v in spec.get("volumes") or []:
            if "hostPath" in v:
                self.fail(where, f"hostPath volume {v['name']}")
        containers = (spec.get("initContainers") or []) + spec["containers"]
        for c in containers:
            cw = f"{where} container {c['name']}"
            sc = c.get("securityContext") or {}
            nonroot = sc.get("runAsNonRoot", psc.get("runAsNonRoot"))
            if nonroot is not True:
                self.fail(cw, "runAsNonRoot is not true")
            if sc.get("runAsUser", psc.get("runAsUser")) in (0, None):
                self.fail(cw, "no non-zero runAsUser")
            if sc.get("readOnlyRootFilesystem") is not True:
                self.fail(cw, "readOnlyRootFilesystem is not true")
            if sc.get("allowPrivilegeEscalation") is not False:
                self.fail(cw, "allowPrivilegeEscalation is not false")
            if sc.get("privileged"):
                self.fail(cw, "privileged")
            caps = sc.get("capabilities") or {}
            if "ALL" not in (caps.get("drop") or []):
                self.fail(cw, "capabilities.drop does not hold ALL")
            if caps.get("add"):
                self.fail(cw, f"adds capabilities {caps['add']}")
            seccomp = (sc.get("seccompProfile") or psc.get("seccompProfile") or {}).get("type")
            if seccomp not in ("RuntimeDefault", "Localhost"):
                self.fail(cw, f"seccompProfile is {seccomp!r}, not RuntimeDefault")
            res = c.get("resources") or {}
            req, lim = res.get("requests") or {}, res.get("limits") or {}
            for path, ok in (("requests.cpu", "cpu" in req), ("requests.memory", "memory" in req),
                             ("limits.memory", "memory" in lim)):
                if not ok:
                    self.fail(cw, f"resources.{path} is not set")
            image = c.get("image", "")
            if "@sha256:" not in image and (":" not in image.rsplit("/", 1)[-1] or image.endswith(":latest")):
                self.fail(cw, f"image {image!r} has no pinned tag or digest")
            mounts = {m["mountPath"]: m for m in c.get("volumeMounts") or []}
            if "/tmp" not in mounts:
                self.fail(cw, "no writable /tmp volume (the root filesystem is read-only)")
            for e in c.get("env") or []:
                if "value" in e and (SECRET_KEY_NAME.search(e["name"]) or self.secret_like(str(e["value"]))):
                    self.fail(cw, f"env {e['name']} carries a credential inline; use valueFrom.secretKeyRef")
        return containers

    def check_probes(self, where, container):
        ports = {p["name"]: p["containerPort"] for p in container.get("ports") or []}
        for kind in ("livenessProbe", "readinessProbe"):
            probe = container.get(kind)
            if not probe:
                self.fail(where, f"no {kind}")
                continue
            if "grpc" in probe:
                if probe["grpc"].get("port") != ports.get("grpc"):
                    self.fail(where, f"{kind} gRPC port {probe['grpc'].get('port')} is not the grpc port")
            elif "httpGet" in probe:
                if probe["httpGet"].get("port") not in ("metrics", ports.get("metrics")):
                    self.fail(where, f"{kind} HTTP probe is not on the admin port")
            else:
                self.fail(where, f"{kind} is neither a gRPC nor an HTTP probe")

    # --- config -------------------------------------------------------------------------------------------
    @staticmethod
    def secret_like(text):
        return [what for rx, what in SECRET_VALUE if rx.search(text)]

    def known_keys(self):
        keys = set(NEW_KEYS)
        if self.readme:
            text = open(self.readme, encoding="utf-8").read()
            m = re.search(r"<!-- config-table:start -->(.*?)<!-- config-table:end -->", text, re.S)
            if not m:
                self.fail(self.readme, "no configuration table between the config-table markers")
                return None
            for row in m.group(1).splitlines():
                cell = re.match(r"\|\s*`([^`]+)`\s*\|", row)
                if cell:
                    keys.add(cell.group(1))
        return keys

    def check_config_toml(self, where, text):
        try:
            cfg = tomllib.loads(text)
        except tomllib.TOMLDecodeError as e:
            self.fail(where, f"config.toml is not TOML: {e}")
            return
        known = self.known_keys()

        def walk(table, prefix):
            for k, v in table.items():
                key = f"{prefix}{k}"
                if known is not None and key not in known:
                    self.fail(where, f"config.toml key {key!r} is not a configuration key")
                if SECRET_KEY_NAME.search(k) and not k.endswith(("_file", "_cert", "_key", "_ca")):
                    self.fail(where, f"config.toml holds {key!r}: credentials belong in Secrets")
                if isinstance(v, dict):
                    walk(v, f"{key}.")
                elif isinstance(v, list) and v and isinstance(v[0], dict):
                    for item in v:
                        walk(item, f"{key}[].")

        walk(cfg, "")
        if cfg.get("data_dir") != "/var/lib/jobmatch":
            self.fail(where, "data_dir is not the data volume /var/lib/jobmatch")
        for k in ("listen", "admin_listen"):
            if not str(cfg.get(k, "")).startswith("0.0.0.0:"):
                self.fail(where, f"{k} does not listen on every interface (the kubelet and the Service cannot reach it)")
        return cfg

    def check_configmaps(self):
        configs = []
        for d in self.docs:
            if d["kind"] != "ConfigMap":
                continue
            where = f"ConfigMap/{d['metadata']['name']}"
            for key, value in (d.get("data") or {}).items():
                for what in self.secret_like(str(value)):
                    self.fail(where, f"key {key} holds {what}")
                if key == "config.toml":
                    configs.append(self.check_config_toml(where, value))
        return configs

    # --- selection ----------------------------------------------------------------------------------------
    @staticmethod
    def selects(selector, labels):
        return all(labels.get(k) == v for k, v in (selector or {}).items())

    def check(self, expect, absent):
        kinds = [d["kind"] for d in self.docs]
        for k in expect:
            if k not in kinds:
                self.fail("render", f"expected a {k}, none rendered")
        for k in absent:
            if k in kinds:
                self.fail("render", f"expected no {k}, one was rendered")
        for d in self.docs:
            md = d.get("metadata") or {}
            labels = md.get("labels") or {}
            for l in ("app.kubernetes.io/name", "app.kubernetes.io/instance", "app.kubernetes.io/managed-by",
                      "helm.sh/chart"):
                if l not in labels:
                    self.fail(f"{d['kind']}/{md.get('name')}", f"label {l} missing")

        configs = self.check_configmaps()
        if len([c for c in configs if c is not None]) != 1:
            self.fail("render", f"expected one config.toml, found {len(configs)}")
        cfg = next((c for c in configs if c), {}) or {}
        backend = (cfg.get("store") or {}).get("backend", "embedded")

        server_labels = None
        job_pod_labels = []
        for d, where, template in self.pod_specs():
            containers = self.check_pod(where, template)
            env = {e["name"]: e for c in containers for e in c.get("env") or []}
            if d["kind"] != "Job" and env.get("JOBMATCH_CONFIG", {}).get("value") != "/etc/jobmatch/config.toml":
                self.fail(where, "JOBMATCH_CONFIG does not name /etc/jobmatch/config.toml")
            if d["kind"] == "Deployment":
                server_labels = template["metadata"]["labels"]
                self.check_probes(where, containers[0])
                if backend == "redis":
                    ref = (env.get("JOBMATCH_STORE__REDIS_URL") or {}).get("valueFrom", {}).get("secretKeyRef")
                    if not ref:
                        self.fail(where, "redis backend without JOBMATCH_STORE__REDIS_URL from a Secret")
                vols = {v["name"]: v for v in template["spec"].get("volumes") or []}
                if "data" not in vols or not ({"emptyDir", "persistentVolumeClaim"} & set(vols["data"])):
                    self.fail(where, "the data directory is not on an emptyDir or a claim")
                if (d["spec"].get("replicas", 2) > 1 or "HorizontalPodAutoscaler" in kinds) and backend != "redis":
                    self.fail(where, "several replicas with the embedded store")
            else:
                job_pod_labels.append((where, template["metadata"]["labels"]))
            if d["kind"] == "CronJob":
                if d["spec"].get("concurrencyPolicy") != "Forbid":
                    self.fail(where, "concurrencyPolicy is not Forbid")
                js = d["spec"]["jobTemplate"]["spec"]
                par = js.get("parallelism")
                if not par or par < 1 or js.get("completions") != par or js.get("completionMode") != "Indexed":
                    self.fail(where, "workers: parallelism, completions and Indexed mode do not agree")
                args = containers[0].get("args") or []
                if args[:2] != ["rematch", "--join"]:
                    self.fail(where, f"runs {args}, not rematch --join")
                if backend != "redis":
                    self.fail(where, "a rematch CronJob with the embedded store")
        if server_labels is None:
            self.fail("render", "no server Deployment")
            return

        for d in self.docs:
            kind, name = d["kind"], d["metadata"]["name"]
            where = f"{kind}/{name}"
            sel = None
            if kind == "Service":
                sel = d["spec"]["selector"]
                names = {p["name"] for p in d["spec"]["ports"]}
                if not {"grpc", "metrics"} <= names:
                    self.fail(where, f"ports {sorted(names)} lack grpc or metrics")
            elif kind == "PodDisruptionBudget":
                sel = d["spec"]["selector"]["matchLabels"]
            elif kind == "HorizontalPodAutoscaler":
                ref = d["spec"]["scaleTargetRef"]
                deploy = next(x["metadata"]["name"] for x in self.docs if x["kind"] == "Deployment")
                if ref.get("kind") != "Deployment" or ref.get("name") != deploy:
                    self.fail(where, "does not scale the server Deployment")
            elif kind == "ServiceMonitor":
                try:
                    jsonschema.validate(d, SERVICE_MONITOR_SCHEMA)
                except jsonschema.ValidationError as e:
                    self.fail(where, f"schema: {e.message} at {list(e.absolute_path)}")
                svc = next((x for x in self.docs if x["kind"] == "Service"), None)
                if not svc or not self.selects(d["spec"]["selector"].get("matchLabels"), svc["metadata"]["labels"]):
                    self.fail(where, "selects no Service of the chart")
                ports = [e.get("port") for e in d["spec"]["endpoints"]]
                if "metrics" not in ports:
                    self.fail(where, "does not scrape the metrics port")
            elif kind == "Secret":
                if d.get("stringData"):
                    self.fail(where, "stringData (write data base64-encoded)")
            if sel is not None:
                if not self.selects(sel, server_labels):
                    self.fail(where, "does not select the server pods")
                for jw, jl in job_pod_labels:
                    if self.selects(sel, jl):
                        self.fail(where, f"also selects the pods of {jw}")


def _pods(docs, kind):
    for d in docs:
        if d["kind"] == kind:
            if kind == "CronJob":
                yield d["spec"]["jobTemplate"]["spec"]["template"]["spec"]
            else:
                yield d["spec"]["template"]["spec"]


def _first(docs, kind):
    return next(d for d in docs if d["kind"] == kind)


# Each mutation breaks one property of a good rendering; the checker must then report the expected failure.
MUTATIONS = [
    ("root filesystem writable", "readOnlyRootFilesystem",
     lambda ds: next(_pods(ds, "Deployment"))["containers"][0]["securityContext"].update(readOnlyRootFilesystem=False)),
    ("privilege escalation", "allowPrivilegeEscalation",
     lambda ds: next(_pods(ds, "CronJob"))["containers"][0]["securityContext"].update(allowPrivilegeEscalation=True)),
    ("runs as root", "runAsNonRoot",
     lambda ds: [next(_pods(ds, "Job"))["securityContext"].update(runAsNonRoot=False, runAsUser=0),
                 next(_pods(ds, "Job"))["containers"][0]["securityContext"].update(runAsNonRoot=False, runAsUser=0)]),
    ("capabilities kept", "capabilities.drop",
     lambda ds: next(_pods(ds, "Deployment"))["containers"][0]["securityContext"].pop("capabilities")),
    ("no readiness probe", "no readinessProbe",
     lambda ds: next(_pods(ds, "Deployment"))["containers"][0].pop("readinessProbe")),
    ("no resources", "resources.requests.cpu",
     lambda ds: next(_pods(ds, "CronJob"))["containers"][0].pop("resources")),
    ("concurrent rematch runs", "concurrencyPolicy",
     lambda ds: _first(ds, "CronJob")["spec"].update(concurrencyPolicy="Allow")),
    ("Redis URL inlined in the ConfigMap", "Redis URL",
     lambda ds: _first(ds, "ConfigMap")["data"].update(
         {"config.toml": 'redis_url_note = "redis://:hunter2@redis:6379/"\n' + _first(ds, "ConfigMap")["data"]["config.toml"]})),
    ("unknown config key", "not a configuration key",
     lambda ds: _first(ds, "ConfigMap")["data"].update(
         {"config.toml": "lsiten = 1\n" + _first(ds, "ConfigMap")["data"]["config.toml"]})),
    ("token inlined in env", "inline",
     lambda ds: next(_pods(ds, "Job"))["containers"][0].setdefault("env", []).append({"name": "JOBMATCH_TOKEN", "value": "abc"})),
    ("Service selects job pods", "also selects",
     lambda ds: _first(ds, "Service")["spec"]["selector"].pop("app.kubernetes.io/component")),
    ("ServiceMonitor field typo", "schema",
     lambda ds: _first(ds, "ServiceMonitor")["spec"]["endpoints"][0].update(intervall="30s")),
]


def self_test(docs, readme):
    """Runs every mutation on a copy of a good rendering; returns the mutations the checker missed."""
    import copy

    good = Checker(copy.deepcopy(docs), readme)
    good.check([], [])
    if good.failures:
        return ["the unmutated rendering fails: " + "; ".join(good.failures)]
    missed = []
    for name, expected, mutate in MUTATIONS:
        ds = copy.deepcopy(docs)
        mutate(ds)
        c = Checker(ds, readme)
        try:
            c.check([], [])
        except (KeyError, TypeError, StopIteration) as e:
            c.fail("render", f"unexpected shape: {e}")
        if not any(expected in f for f in c.failures):
            missed.append(f"{name}: no failure mentioning {expected!r} (got {c.failures})")
    return missed


def main():
    ap = argparse.ArgumentParser()
    ap.add_argument("rendered")
    ap.add_argument("--expect", nargs="*", default=[], help="kinds that must be rendered")
    ap.add_argument("--absent", nargs="*", default=[], help="kinds that must not be rendered")
    ap.add_argument("--readme", help="README.md with the configuration table (the allowed config.toml keys)")
    ap.add_argument("--self-test", action="store_true",
                    help="break the rendering in each way the checks look for and fail unless every break is caught")
    a = ap.parse_args()
    with open(a.rendered, encoding="utf-8") as f:
        docs = [d for d in yaml.safe_load_all(f) if d]
    if a.self_test:
        missed = self_test(docs, a.readme)
        for m in missed:
            print(f"FAIL self-test: {m}")
        if missed:
            sys.exit(1)
        print(f"ok self-test: the checker caught all {len(MUTATIONS)} deliberate breaks of {a.rendered}")
        return
    c = Checker(docs, a.readme)
    try:
        c.check(a.expect, a.absent)
    except (KeyError, TypeError, StopIteration) as e:
        c.fail("render", f"unexpected shape: {type(e).__name__}: {e}")
    kinds = sorted(f"{d['kind']}/{d['metadata']['name']}" for d in docs)
    if c.failures:
        for line in c.failures:
            print(f"FAIL {a.rendered}: {line}")
        sys.exit(1)
    print(f"ok {a.rendered}: {len(docs)} resources ({', '.join(kinds)})")


if __name__ == "__main__":
    main()
