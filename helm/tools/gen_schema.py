#!/usr/bin/env python3
"""Writes helm/jobmatch/values.schema.json (JSON Schema draft-07). Edit this file, not the JSON, then run
`python3 helm/tools/gen_schema.py`; helm/check.sh fails when the committed schema differs from what this writes."""
import json
import pathlib
import sys

OUT = pathlib.Path(__file__).resolve().parents[1] / "jobmatch" / "values.schema.json"


def obj(props, required=(), extra=False, **kw):
    o = {"type": "object", "properties": props, "additionalProperties": extra}
    if required:
        o["required"] = list(required)
    o.update(kw)
    return o


def s(desc=None, **kw):
    o = {"type": "string", **kw}
    if desc:
        o["description"] = desc
    return o


def i(minimum=None, maximum=None, desc=None, nullable=False):
    o = {"type": ["integer", "null"] if nullable else "integer"}
    if minimum is not None:
        o["minimum"] = minimum
    if maximum is not None:
        o["maximum"] = maximum
    if desc:
        o["description"] = desc
    return o


B = {"type": "boolean"}
MAP = {"type": "object"}  # free-form Kubernetes structure (affinity, resources, ...)
STRMAP = {"type": "object", "additionalProperties": {"type": "string"}}
LIST = {"type": "array"}
LIST_OBJ = {"type": "array", "items": {"type": "object"}}
PORT = i(1, 65535)
NAME = s(pattern=r"^$|^[a-z0-9]([-a-z0-9.]*[a-z0-9])?$", maxLength=253)
QUANTITY = {"type": ["string", "integer", "number"]}
DURATION = s(pattern=r"^([0-9]+(\.[0-9]+)?(ms|s|m|h))+$")

resources = obj(
    {
        "requests": {"type": "object", "additionalProperties": QUANTITY},
        "limits": {"type": "object", "additionalProperties": QUANTITY},
        "claims": LIST_OBJ,
    },
    description="Kubernetes ResourceRequirements; the chart's checks require requests.cpu, requests.memory and limits.memory",
)


def probe(readiness=False):
    p = {
        "enabled": B,
        "initialDelaySeconds": i(0),
        "periodSeconds": i(1),
        "timeoutSeconds": i(1),
        "failureThreshold": i(1),
    }
    if readiness:
        p["successThreshold"] = i(1)
    return obj(p, required=["enabled"])


config = obj(
    {
        "demo_data": B,
        "writer_memory_mb": i(15, nullable=True),
        "request_timeout_ms": i(1, nullable=True),
        "bulk_timeout_ms": i(1, nullable=True),
        "bulk_max_records": i(1, nullable=True),
        "max_message_bytes": i(1, nullable=True),
        "search_threads": i(0, nullable=True),
        "work_queue": i(1, nullable=True),
        "write_queue": i(1, nullable=True),
        "max_concurrent_streams": i(1, nullable=True),
        "cache_mb": i(1, nullable=True),
        "log_format": {"enum": ["text", "json", None]},
        "log_filter": {"type": ["string", "null"], "minLength": 1},
        "rules": obj(
            {
                "hours_slack": i(0, nullable=True),
                "reasonableness_action": {"enum": ["lower", "exclude", None]},
                "default_k": i(1, nullable=True),
                "max_k": i(1, nullable=True),
                "reasonableness": {
                    "type": "array",
                    "items": obj(
                        {
                            "valid_from": s(pattern=r"^[0-9]{4}-[0-9]{2}-[0-9]{2}$"),
                            "source": s(),
                            "first_band_per": i(1),
                            "first_band_employees": i(0),
                            "beyond_per": i(1),
                            "minimum": i(0),
                        },
                        required=["valid_from", "source", "first_band_per", "first_band_employees", "beyond_per", "minimum"],
                    ),
                },
            }
        ),
        "store": obj(
            {
                "backend": {"enum": ["embedded", "redis"]},
                "redis_prefix": {"type": ["string", "null"], "minLength": 1},
                "wait_replicas": i(0, nullable=True),
                "records_refresh_ms": i(1, nullable=True),
                "snapshot_interval_s": i(0, nullable=True),
            },
            required=["backend"],
        ),
        "rematch": obj(
            {
                "server_worker": {"type": ["boolean", "null"]},
                "k": i(1, nullable=True),
                "batch": i(1, nullable=True),
                "lock_ttl_ms": i(1, nullable=True),
                "reclaim_after_ms": i(1, nullable=True),
            }
        ),
        "telemetry": obj({"otlp_endpoint": s(), "service_name": s()}),
    },
    required=["store"],
    description="Keys of config.toml (README configuration table); unknown keys are refused here as the server refuses them",
)

schema = {
    "$schema": "http://json-schema.org/draft-07/schema#",
    "title": "jobmatch chart values",
    "type": "object",
    "additionalProperties": False,
    "required": ["image", "service", "config", "auth", "probes"],
    "properties": {
        "global": MAP,
        "nameOverride": s(maxLength=63),
        "fullnameOverride": s(maxLength=63),
        "commonLabels": STRMAP,
        "commonAnnotations": STRMAP,
        "image": obj(
            {
                "registry": s(),
                "repository": s(minLength=1),
                "tag": {"type": ["string", "number"]},
                "digest": s(pattern=r"^$|^sha256:[a-f0-9]{64}$"),
                "pullPolicy": {"enum": ["Always", "IfNotPresent", "Never"]},
            },
            required=["repository"],
        ),
        "imagePullSecrets": {"type": "array", "items": obj({"name": s(minLength=1)}, required=["name"])},
        "replicaCount": i(0),
        "revisionHistoryLimit": i(0),
        "updateStrategy": MAP,
        "podAnnotations": STRMAP,
        "podLabels": STRMAP,
        "priorityClassName": s(),
        "terminationGracePeriodSeconds": i(0),
        "lifecycle": MAP,
        "serviceAccount": obj(
            {"create": B, "name": s(), "annotations": STRMAP, "automountServiceAccountToken": B}, required=["create"]
        ),
        "podSecurityContext": obj(
            {
                "runAsNonRoot": {"const": True},
                "runAsUser": i(1),
                "runAsGroup": i(1),
                "fsGroup": i(1),
                "fsGroupChangePolicy": {"enum": ["OnRootMismatch", "Always"]},
                "supplementalGroups": LIST,
                "seccompProfile": MAP,
                "sysctls": LIST,
                "seLinuxOptions": MAP,
                "appArmorProfile": MAP,
            },
            required=["runAsNonRoot"],
        ),
        "securityContext": obj(
            {
                "runAsNonRoot": {"const": True},
                "runAsUser": i(1),
                "runAsGroup": i(1),
                "allowPrivilegeEscalation": {"const": False},
                "privileged": {"const": False},
                "readOnlyRootFilesystem": {"const": True},
                "capabilities": MAP,
                "seccompProfile": MAP,
                "seLinuxOptions": MAP,
                "appArmorProfile": MAP,
                "procMount": s(),
            },
            required=["allowPrivilegeEscalation", "readOnlyRootFilesystem"],
            description="runAsNonRoot, readOnlyRootFilesystem and no privilege escalation are fixed: the image needs nothing else",
        ),
        "resources": resources,
        "nodeSelector": STRMAP,
        "tolerations": LIST_OBJ,
        "affinity": MAP,
        "topologySpreadConstraints": LIST_OBJ,
        "extraEnv": LIST_OBJ,
        "extraEnvFrom": LIST_OBJ,
        "extraVolumes": LIST_OBJ,
        "extraVolumeMounts": LIST_OBJ,
        "probes": obj(
            {
                "type": {"enum": ["grpc", "http"]},
                "grpc": obj({"livenessService": s(), "readinessService": s()}),
                "http": obj({"livenessPath": s(pattern="^/"), "readinessPath": s(pattern="^/")}),
                "startup": probe(),
                "liveness": probe(),
                "readiness": probe(readiness=True),
            },
            required=["type"],
        ),
        "service": obj(
            {
                "type": {"enum": ["ClusterIP", "NodePort", "LoadBalancer"]},
                "clusterIP": s(),
                "grpcPort": PORT,
                "metricsPort": PORT,
                "annotations": STRMAP,
                "labels": STRMAP,
            },
            required=["grpcPort", "metricsPort"],
        ),
        "config": config,
        "redis": obj(
            {
                "url": s(pattern=r"^$|^rediss?://"),
                "existingSecret": NAME,
                "existingSecretKey": s(minLength=1),
            }
        ),
        "auth": obj(
            {
                "mode": {"enum": ["none", "mtls", "jwt"]},
                "clients": s(),
                "clientsFileName": s(pattern=r"^[A-Za-z0-9._-]+$"),
                "existingClientsConfigMap": NAME,
                "jwt": obj(
                    {
                        "issuer": s(),
                        "audience": s(),
                        "keys": s(),
                        "existingSecret": NAME,
                        "existingSecretKey": s(pattern=r"^[A-Za-z0-9._-]+$"),
                        "jobToken": s(),
                        "jobTokenExistingSecret": NAME,
                        "jobTokenExistingSecretKey": s(minLength=1),
                    }
                ),
                "mtls": obj({"clientSecret": NAME}),
            },
            required=["mode"],
        ),
        "tls": obj(
            {
                "enabled": B,
                "existingSecret": NAME,
                "certKey": s(pattern=r"^[A-Za-z0-9._-]+$"),
                "keyKey": s(pattern=r"^[A-Za-z0-9._-]+$"),
                "caKey": s(pattern=r"^[A-Za-z0-9._-]+$"),
            }
        ),
        "persistence": obj(
            {
                "enabled": B,
                "existingClaim": NAME,
                "storageClass": s(),
                "accessModes": {
                    "type": "array",
                    "items": {"enum": ["ReadWriteOnce", "ReadWriteOncePod", "ReadWriteMany", "ReadOnlyMany"]},
                    "minItems": 1,
                },
                "size": s(pattern=r"^[0-9]+(\.[0-9]+)?(Ki|Mi|Gi|Ti|Pi|k|M|G|T|P)?$"),
                "annotations": STRMAP,
                "resourcePolicy": {"enum": ["keep", ""]},
            }
        ),
        "emptyDir": obj({"sizeLimit": s(), "medium": {"enum": ["", "Memory"]}}),
        "rematch": obj(
            {
                "enabled": B,
                "schedule": s(minLength=9),
                "timeZone": s(),
                "suspend": B,
                "workers": i(1, 64),
                "concurrency": i(0),
                "jobcenter": s(pattern=r"^$|^[0-9]{3,4}$"),
                "startingDeadlineSeconds": i(10),
                "activeDeadlineSeconds": i(60),
                "backoffLimit": i(0),
                "ttlSecondsAfterFinished": i(0),
                "successfulJobsHistoryLimit": i(0),
                "failedJobsHistoryLimit": i(0),
                "resources": resources,
                "podAnnotations": STRMAP,
                "nodeSelector": STRMAP,
                "tolerations": LIST_OBJ,
                "affinity": MAP,
            }
        ),
        "ingest": obj(
            {
                "enabled": B,
                "hook": B,
                "hookWeight": {"type": ["string", "integer"]},
                "server": s(),
                "existingConfigMap": NAME,
                "existingClaim": NAME,
                "subPath": s(),
                "companiesFile": s(),
                "needsFile": s(),
                "extraArgs": {"type": "array", "items": {"type": "string"}},
                "backoffLimit": i(0),
                "activeDeadlineSeconds": i(60),
                "ttlSecondsAfterFinished": i(0),
                "resources": resources,
            }
        ),
        "autoscaling": obj(
            {
                "enabled": B,
                "minReplicas": i(1),
                "maxReplicas": i(1),
                "targetCPUUtilizationPercentage": i(1, 100, nullable=True),
                "targetMemoryUtilizationPercentage": i(1, 100, nullable=True),
                "behavior": MAP,
            }
        ),
        "pdb": obj(
            {
                "create": B,
                "minAvailable": {"type": ["string", "integer", "null"]},
                "maxUnavailable": {"type": ["string", "integer", "null"]},
            }
        ),
        "networkPolicy": obj(
            {
                "enabled": B,
                "allowExternal": B,
                "grpcFrom": LIST_OBJ,
                "metricsFrom": LIST_OBJ,
                "dns": B,
                "redisPort": PORT,
                "redisTo": LIST_OBJ,
                "otlpPort": PORT,
                "otlpTo": LIST_OBJ,
                "extraEgress": LIST_OBJ,
            }
        ),
        "serviceMonitor": obj(
            {
                "enabled": B,
                "namespace": s(),
                "labels": STRMAP,
                "interval": DURATION,
                "scrapeTimeout": DURATION,
                "relabelings": LIST_OBJ,
                "metricRelabelings": LIST_OBJ,
            }
        ),
    },
}

text = json.dumps(schema, indent=2, ensure_ascii=False) + "\n"
if "--check" in sys.argv:
    if OUT.read_text() != text:
        sys.exit(f"{OUT} is out of date: run python3 helm/tools/gen_schema.py")
else:
    OUT.write_text(text)
