{{/*
Chart name, truncated to 63 characters (the DNS label limit).
*/}}
{{- define "jobmatch.name" -}}
{{- default .Chart.Name .Values.nameOverride | trunc 63 | trimSuffix "-" }}
{{- end }}

{{/*
Fully qualified app name: release-chart, or the release name when it already contains the chart name.
*/}}
{{- define "jobmatch.fullname" -}}
{{- if .Values.fullnameOverride }}
{{- .Values.fullnameOverride | trunc 63 | trimSuffix "-" }}
{{- else }}
{{- $name := default .Chart.Name .Values.nameOverride }}
{{- if contains $name .Release.Name }}
{{- .Release.Name | trunc 63 | trimSuffix "-" }}
{{- else }}
{{- printf "%s-%s" .Release.Name $name | trunc 63 | trimSuffix "-" }}
{{- end }}
{{- end }}
{{- end }}

{{/*
Chart name and version, for the helm.sh/chart label.
*/}}
{{- define "jobmatch.chart" -}}
{{- printf "%s-%s" .Chart.Name .Chart.Version | replace "+" "_" | trunc 63 | trimSuffix "-" }}
{{- end }}

{{/*
Common labels of every resource.
*/}}
{{- define "jobmatch.labels" -}}
helm.sh/chart: {{ include "jobmatch.chart" . }}
{{ include "jobmatch.selectorLabels" . }}
app.kubernetes.io/version: {{ .Values.image.tag | default .Chart.AppVersion | toString | trunc 63 | trimSuffix "-" | quote }}
app.kubernetes.io/managed-by: {{ .Release.Service }}
app.kubernetes.io/part-of: jobmatch
{{- with .Values.commonLabels }}
{{ toYaml . }}
{{- end }}
{{- end }}

{{/*
Selector labels (immutable in a Deployment's selector: never add to these).
*/}}
{{- define "jobmatch.selectorLabels" -}}
app.kubernetes.io/name: {{ include "jobmatch.name" . }}
app.kubernetes.io/instance: {{ .Release.Name }}
{{- end }}

{{/*
Selector labels of the server pods only (the Service must not select job pods).
*/}}
{{- define "jobmatch.serverSelectorLabels" -}}
{{ include "jobmatch.selectorLabels" . }}
app.kubernetes.io/component: server
{{- end }}

{{/*
Common annotations, as a block to put under metadata.annotations (empty when there are none).
*/}}
{{- define "jobmatch.annotations" -}}
{{- with .Values.commonAnnotations }}
{{ toYaml . }}
{{- end }}
{{- end }}

{{/*
Name of the service account the pods use.
*/}}
{{- define "jobmatch.serviceAccountName" -}}
{{- if .Values.serviceAccount.create }}
{{- default (include "jobmatch.fullname" .) .Values.serviceAccount.name }}
{{- else }}
{{- default "default" .Values.serviceAccount.name }}
{{- end }}
{{- end }}

{{/*
Image reference: registry/repository, then @digest or :tag (the tag defaults to the chart's appVersion).
*/}}
{{- define "jobmatch.image" -}}
{{- $repo := .Values.image.repository }}
{{- if .Values.image.registry }}
{{- $repo = printf "%s/%s" .Values.image.registry .Values.image.repository }}
{{- end }}
{{- if .Values.image.digest }}
{{- printf "%s@%s" $repo .Values.image.digest }}
{{- else }}
{{- printf "%s:%s" $repo (.Values.image.tag | default .Chart.AppVersion | toString) }}
{{- end }}
{{- end }}

{{/*
Whether the Redis backend is configured.
*/}}
{{- define "jobmatch.redis" -}}
{{- if eq (toString .Values.config.store.backend) "redis" }}true{{- end }}
{{- end }}

{{/*
Whether the server serves TLS (always with mtls).
*/}}
{{- define "jobmatch.tls" -}}
{{- if or .Values.tls.enabled (eq .Values.auth.mode "mtls") }}true{{- end }}
{{- end }}

{{/*
Name of the chart's own Secret (credentials given inline in the values).
*/}}
{{- define "jobmatch.secretName" -}}
{{- include "jobmatch.fullname" . }}
{{- end }}

{{/*
Whether the chart creates its Secret: when any credential is given inline.
*/}}
{{- define "jobmatch.createSecret" -}}
{{- $redis := and (include "jobmatch.redis" .) .Values.redis.url (not .Values.redis.existingSecret) }}
{{- $jwt := and (eq .Values.auth.mode "jwt") .Values.auth.jwt.keys (not .Values.auth.jwt.existingSecret) }}
{{- $token := and .Values.auth.jwt.jobToken (not .Values.auth.jwt.jobTokenExistingSecret) }}
{{- if or $redis $jwt $token }}true{{- end }}
{{- end }}

{{/*
Secret and key of the Redis URL.
*/}}
{{- define "jobmatch.redisSecretName" -}}
{{- .Values.redis.existingSecret | default (include "jobmatch.secretName" .) }}
{{- end }}
{{- define "jobmatch.redisSecretKey" -}}
{{- if .Values.redis.existingSecret }}{{ .Values.redis.existingSecretKey }}{{ else }}redis-url{{ end }}
{{- end }}

{{/*
Secret and key of the JWT verification keys.
*/}}
{{- define "jobmatch.jwtSecretName" -}}
{{- .Values.auth.jwt.existingSecret | default (include "jobmatch.secretName" .) }}
{{- end }}
{{- define "jobmatch.jwtSecretKey" -}}
{{- if .Values.auth.jwt.existingSecret }}{{ .Values.auth.jwt.existingSecretKey }}{{ else }}jwks.json{{ end }}
{{- end }}

{{/*
Secret and key of the jobs' bearer token (empty name: none).
*/}}
{{- define "jobmatch.jobTokenSecretName" -}}
{{- if .Values.auth.jwt.jobTokenExistingSecret }}{{ .Values.auth.jwt.jobTokenExistingSecret }}
{{- else if .Values.auth.jwt.jobToken }}{{ include "jobmatch.secretName" . }}
{{- end }}
{{- end }}
{{- define "jobmatch.jobTokenSecretKey" -}}
{{- if .Values.auth.jwt.jobTokenExistingSecret }}{{ .Values.auth.jwt.jobTokenExistingSecretKey }}{{ else }}job-token{{ end }}
{{- end }}

{{/*
Name of the ConfigMap holding the clients file (empty: no clients file).
*/}}
{{- define "jobmatch.clientsConfigMap" -}}
{{- if .Values.auth.existingClientsConfigMap }}{{ .Values.auth.existingClientsConfigMap }}
{{- else if .Values.auth.clients }}{{ include "jobmatch.fullname" . }}
{{- end }}
{{- end }}

{{/*
Name of the data PersistentVolumeClaim.
*/}}
{{- define "jobmatch.pvcName" -}}
{{- .Values.persistence.existingClaim | default (printf "%s-data" (include "jobmatch.fullname" .)) }}
{{- end }}

{{/*
A TOML value: strings quoted (Go escapes are valid TOML basic-string escapes for the characters config values
hold), booleans as is, numbers as integers (Helm reads YAML numbers as floats; every numeric key of the
configuration is an integer).
*/}}
{{- define "jobmatch.tomlValue" -}}
{{- if kindIs "string" . }}{{ quote . }}
{{- else if kindIs "bool" . }}{{ ternary "true" "false" . }}
{{- else if or (kindIs "float64" .) (kindIs "int" .) (kindIs "int64" .) }}{{ int64 . }}
{{- else }}{{ fail (printf "config: cannot write %v (%s) as a TOML value" . (kindOf .)) }}
{{- end }}
{{- end }}

{{/*
key = value lines for the scalar entries of a map, sorted by key; null values are left out (built-in default).
*/}}
{{- define "jobmatch.tomlScalars" -}}
{{- range $k, $v := . }}
{{- if and (not (kindIs "invalid" $v)) (not (kindIs "map" $v)) (not (kindIs "slice" $v)) }}
{{ $k }} = {{ include "jobmatch.tomlValue" $v }}
{{- end }}
{{- end }}
{{- end }}

{{/*
Refuse combinations that cannot work, with a message saying why.
*/}}
{{- define "jobmatch.validate" -}}
{{- $redis := include "jobmatch.redis" . }}
{{- if not (has .Values.auth.mode (list "none" "mtls" "jwt")) }}
{{- fail "auth.mode must be none, mtls or jwt" }}
{{- end }}
{{- if and (not $redis) (or (gt (int .Values.replicaCount) 1) .Values.autoscaling.enabled) }}
{{- fail "several replicas (replicaCount > 1 or autoscaling.enabled) need config.store.backend=redis: the embedded store belongs to one process" }}
{{- end }}
{{- if and .Values.persistence.enabled (or (gt (int .Values.replicaCount) 1) .Values.autoscaling.enabled) }}
{{- fail "persistence.enabled keeps the index on one claim for one replica; with several replicas use the redis backend and the default emptyDir (each replica rebuilds its index from Redis)" }}
{{- end }}
{{- if and $redis (not .Values.redis.url) (not .Values.redis.existingSecret) }}
{{- fail "config.store.backend=redis needs redis.url or redis.existingSecret" }}
{{- end }}
{{- if and (include "jobmatch.tls" .) (not .Values.tls.existingSecret) }}
{{- fail "TLS (tls.enabled or auth.mode=mtls) needs tls.existingSecret: a Secret with the server certificate, key and client CA" }}
{{- end }}
{{- if and (include "jobmatch.tls" .) (eq .Values.probes.type "grpc") }}
{{- fail "the kubelet's gRPC probes cannot speak TLS: with tls.enabled or auth.mode=mtls set probes.type=http (the admin port's /livez and /readyz)" }}
{{- end }}
{{- if and (eq .Values.auth.mode "jwt") (not .Values.auth.jwt.keys) (not .Values.auth.jwt.existingSecret) }}
{{- fail "auth.mode=jwt needs auth.jwt.keys or auth.jwt.existingSecret (the verification keys)" }}
{{- end }}
{{- if and .Values.ingest.enabled (not .Values.ingest.existingConfigMap) (not .Values.ingest.existingClaim) }}
{{- fail "ingest.enabled needs ingest.existingConfigMap or ingest.existingClaim (where the JSON Lines files are)" }}
{{- end }}
{{- if and .Values.ingest.enabled .Values.ingest.existingConfigMap .Values.ingest.existingClaim }}
{{- fail "give ingest.existingConfigMap or ingest.existingClaim, not both" }}
{{- end }}
{{- if and .Values.ingest.enabled (not .Values.ingest.companiesFile) (not .Values.ingest.needsFile) }}
{{- fail "ingest.enabled needs ingest.companiesFile and/or ingest.needsFile" }}
{{- end }}
{{- end }}

{{/*
Volumes and mounts shared by the server and the job pods: config file, /tmp, data directory, TLS, JWT keys,
clients file. Call with (dict "ctx" $ "data" "emptyDir"|"pvc").
*/}}
{{- define "jobmatch.configVolumes" -}}
- name: config
  configMap:
    name: {{ include "jobmatch.fullname" . }}
    items:
      - key: config.toml
        path: config.toml
- name: tmp
  emptyDir:
    sizeLimit: 256Mi
{{- if include "jobmatch.tls" . }}
- name: tls
  secret:
    secretName: {{ .Values.tls.existingSecret }}
    defaultMode: 0440
{{- end }}
{{- if eq .Values.auth.mode "jwt" }}
- name: jwt-keys
  secret:
    secretName: {{ include "jobmatch.jwtSecretName" . }}
    defaultMode: 0440
    items:
      - key: {{ include "jobmatch.jwtSecretKey" . }}
        path: {{ include "jobmatch.jwtSecretKey" . }}
{{- end }}
{{- with (include "jobmatch.clientsConfigMap" .) }}
- name: clients
  configMap:
    name: {{ . }}
    items:
      - key: {{ $.Values.auth.clientsFileName }}
        path: {{ $.Values.auth.clientsFileName }}
{{- end }}
{{- end }}

{{- define "jobmatch.configVolumeMounts" -}}
- name: config
  mountPath: /etc/jobmatch/config.toml
  subPath: config.toml
  readOnly: true
- name: tmp
  mountPath: /tmp
- name: data
  mountPath: /var/lib/jobmatch
{{- if include "jobmatch.tls" . }}
- name: tls
  mountPath: /etc/jobmatch/tls
  readOnly: true
{{- end }}
{{- if eq .Values.auth.mode "jwt" }}
- name: jwt-keys
  mountPath: /etc/jobmatch/jwt
  readOnly: true
{{- end }}
{{- if include "jobmatch.clientsConfigMap" . }}
- name: clients
  mountPath: /etc/jobmatch/auth
  readOnly: true
{{- end }}
{{- end }}

{{/*
Environment shared by the server and the job pods: the config file path and the Redis URL from its Secret.
*/}}
{{- define "jobmatch.env" -}}
- name: JOBMATCH_CONFIG
  value: /etc/jobmatch/config.toml
{{- if include "jobmatch.redis" . }}
- name: JOBMATCH_STORE__REDIS_URL
  valueFrom:
    secretKeyRef:
      name: {{ include "jobmatch.redisSecretName" . }}
      key: {{ include "jobmatch.redisSecretKey" . }}
{{- end }}
{{- end }}

{{/*
Environment and volumes of a client job (ingest, rematch): the bearer token and the client certificate.
*/}}
{{- define "jobmatch.clientEnv" -}}
{{- with (include "jobmatch.jobTokenSecretName" .) }}
- name: JOBMATCH_TOKEN
  valueFrom:
    secretKeyRef:
      name: {{ . }}
      key: {{ include "jobmatch.jobTokenSecretKey" $ }}
{{- end }}
{{- end }}
{{- define "jobmatch.clientVolumes" -}}
{{- with .Values.auth.mtls.clientSecret }}
- name: client-tls
  secret:
    secretName: {{ . }}
    defaultMode: 0440
{{- end }}
{{- end }}
{{- define "jobmatch.clientVolumeMounts" -}}
{{- if .Values.auth.mtls.clientSecret }}
- name: client-tls
  mountPath: /etc/jobmatch/client-tls
  readOnly: true
{{- end }}
{{- end }}

{{/*
Pod-level checksum annotations so a changed config or secret rolls the pods.
*/}}
{{- define "jobmatch.checksums" -}}
checksum/config: {{ include (print $.Template.BasePath "/configmap.yaml") . | sha256sum }}
checksum/secret: {{ include (print $.Template.BasePath "/secret.yaml") . | sha256sum }}
{{- end }}

{{/*
Egress every pod of the release needs: DNS, Redis, the OTLP collector, extra rules.
*/}}
{{- define "jobmatch.commonEgress" -}}
{{- $np := .Values.networkPolicy }}
{{- if $np.dns }}
- to:
    - namespaceSelector:
        matchLabels:
          kubernetes.io/metadata.name: kube-system
      podSelector:
        matchLabels:
          k8s-app: kube-dns
  ports:
    - port: 53
      protocol: UDP
    - port: 53
      protocol: TCP
{{- end }}
{{- if include "jobmatch.redis" . }}
- ports:
    - port: {{ $np.redisPort }}
      protocol: TCP
  {{- with $np.redisTo }}
  to:
    {{- toYaml . | nindent 4 }}
  {{- end }}
{{- end }}
{{- if .Values.config.telemetry.otlp_endpoint }}
- ports:
    - port: {{ $np.otlpPort }}
      protocol: TCP
  {{- with $np.otlpTo }}
  to:
    {{- toYaml . | nindent 4 }}
  {{- end }}
{{- end }}
{{- with $np.extraEgress }}
{{ toYaml . }}
{{- end }}
{{- end }}
