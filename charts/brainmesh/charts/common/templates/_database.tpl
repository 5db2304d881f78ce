{{/*
Where the service's database comes from: `existingSecret`, `inline` (database.url), `cnpg` (the release's
CloudNativePG cluster) or `none`. Empty for services without a database.
*/}}
{{- define "common.database.source" -}}
{{- $self := include "common.platform.self" . | fromYaml -}}
{{- if $self.database -}}
{{- $db := .Values.database -}}
{{- if $db.existingSecret -}}existingSecret
{{- else if $db.url -}}inline
{{- else if .Values.global.postgresql.cnpg.enabled -}}cnpg
{{- else -}}none
{{- end -}}
{{- end -}}
{{- end -}}

{{/* Effective migration mode of a database service: job, initContainer, onStart or none (empty without database). */}}
{{- define "common.migrations.mode" -}}
{{- if include "common.database.source" . -}}
{{- .Values.migrations.mode | default .Values.global.migrations.mode -}}
{{- end -}}
{{- end -}}

{{/* Kafka bootstrap brokers of the services. */}}
{{- define "common.kafka.brokers" -}}
{{- $k := .Values.global.kafka -}}
{{- if $k.inCluster.enabled -}}
{{- printf "%s:9092" (include "common.names.of" (dict "ctx" . "name" "kafka")) -}}
{{- else -}}
{{- $k.brokers -}}
{{- end -}}
{{- end -}}

{{/* Port of the OTel endpoint (explicit, else 443 for https, 80 for http). */}}
{{- define "common.otel.port" -}}
{{- $u := urlParse .Values.global.otel.endpoint -}}
{{- $hostPort := splitList ":" $u.host -}}
{{- if gt (len $hostPort) 1 -}}{{ last $hostPort }}{{- else if eq $u.scheme "https" -}}443{{- else -}}80{{- end -}}
{{- end -}}
