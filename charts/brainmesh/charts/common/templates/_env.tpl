{{/* A value as an environment string (whole floats from YAML numbers print without exponent). */}}
{{- define "common.env.string" -}}
{{- $v := . -}}
{{- if and (kindIs "float64" $v) (eq (float64 (int64 $v)) $v) -}}{{ int64 $v }}
{{- else if kindIs "invalid" $v -}}
{{- else -}}{{ toString $v }}
{{- end -}}
{{- end -}}

{{/*
Plain (non-secret) environment of the service, as YAML name: value. Order of precedence: the chart's
settings, then the service's own (`<service>.env` template of the subchart), then `.Values.env`.
*/}}
{{- define "common.env.config" -}}
{{- $self := include "common.platform.self" . | fromYaml -}}
{{- $g := .Values.global -}}
{{- $env := dict
  "NODE_ENV" $g.nodeEnv
  "LOG_LEVEL" (.Values.logLevel | default $g.logLevel)
  "HTTP_PORT" (int $self.httpPort)
  "GRPC_PORT" (int $self.grpcPort)
  "SHUTDOWN_GRACE_MS" $g.shutdownGraceMs
  "GRPC_DEADLINE_MS" $g.grpcDeadlineMs
  "EVENT_BUS" "kafka"
-}}
{{- with include "common.kafka.brokers" . }}{{ $_ := set $env "KAFKA_BROKERS" . }}{{ end -}}
{{- with $g.otel.endpoint }}{{ $_ := set $env "OTEL_EXPORTER_OTLP_ENDPOINT" . }}{{ end -}}
{{- if $self.database -}}
{{- $_ := set $env "DATABASE_POOL_MAX" .Values.database.poolMax -}}
{{- $_ := set $env "MIGRATE_ON_START" (eq (include "common.migrations.mode" .) "onStart") -}}
{{- end -}}
{{- $own := include (printf "%s.env" .Chart.Name) . | fromYaml -}}
{{- $env = mergeOverwrite $env ($own | default dict) (.Values.env | default dict) -}}
{{- range $k := keys $env | sortAlpha }}
{{ $k }}: {{ include "common.env.string" (get $env $k) | quote }}
{{- end }}
{{- end -}}

{{/*
Secret environment of the service: YAML {entries: [{env, value | secretName+secretKey, migration}]}.
`value` is rendered into the chart's Secret; otherwise the pod reads secretName/secretKey.
*/}}
{{- define "common.env.secretEntries" -}}
{{- $self := include "common.platform.self" . | fromYaml -}}
{{- $entries := list -}}
{{- $source := include "common.database.source" . -}}
{{- $db := .Values.database | default dict -}}
{{- if eq $source "existingSecret" -}}
{{- $entries = append $entries (dict "env" "DATABASE_URL" "secretName" $db.existingSecret "secretKey" $db.existingSecretKey "migration" true) -}}
{{- else if eq $source "inline" -}}
{{- $entries = append $entries (dict "env" "DATABASE_URL" "value" $db.url "migration" true) -}}
{{- else if eq $source "cnpg" -}}
{{- $entries = append $entries (dict "env" "DATABASE_URL" "secretName" (printf "%s-app" (include "common.names.cnpgCluster" .)) "secretKey" "uri" "migration" true) -}}
{{- end -}}
{{- if $self.redis -}}
{{- $r := .Values.global.redis -}}
{{- if $r.existingSecret -}}
{{- $entries = append $entries (dict "env" "REDIS_URL" "secretName" $r.existingSecret "secretKey" $r.existingSecretKey) -}}
{{- else if $r.url -}}
{{- $entries = append $entries (dict "env" "REDIS_URL" "value" $r.url) -}}
{{- else if $r.inCluster.enabled -}}
{{- $entries = append $entries (dict "env" "REDIS_URL" "value" (printf "redis://%s:6379" (include "common.names.of" (dict "ctx" . "name" "redis")))) -}}
{{- end -}}
{{- end -}}
{{- $own := include (printf "%s.secretEnv" .Chart.Name) . | fromYaml -}}
{{- range ($own.entries | default list) -}}
{{- $entries = append $entries . -}}
{{- end -}}
{{- toYaml (dict "entries" $entries) -}}
{{- end -}}

{{/* `env:` items reading the secret entries: (dict "ctx" $ "migration" bool "secretName" "<chart secret>") */}}
{{- define "common.env.secretRefs" -}}
{{- $entries := (include "common.env.secretEntries" .ctx | fromYaml).entries -}}
{{- range $entries }}
{{- if or (not $.migration) .migration }}
- name: {{ .env }}
  valueFrom:
    secretKeyRef:
      name: {{ .secretName | default $.secretName }}
      key: {{ .secretKey | default .env }}
{{- end }}
{{- end }}
{{- end -}}

{{/* data: of the chart's Secret (inline values only); empty when there are none. */}}
{{- define "common.env.secretData" -}}
{{- $entries := (include "common.env.secretEntries" .ctx | fromYaml).entries -}}
{{- range $entries }}
{{- if and .value (or (not $.migration) .migration) }}
{{ .env }}: {{ .value | b64enc | quote }}
{{- end }}
{{- end }}
{{- end -}}
