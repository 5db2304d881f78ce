{{/* Prefix of every name: global.namePrefix or the release name, at most 30 characters. */}}
{{- define "common.names.prefix" -}}
{{- $g := .Values.global | default dict -}}
{{- default .Release.Name $g.namePrefix | trunc 30 | trimSuffix "-" -}}
{{- end -}}

{{/* Full name of a platform component: (dict "ctx" $ "name" "auth") -> <prefix>-auth */}}
{{- define "common.names.of" -}}
{{- printf "%s-%s" (include "common.names.prefix" .ctx) .name | trunc 63 | trimSuffix "-" -}}
{{- end -}}

{{/* Full name of the current service. */}}
{{- define "common.names.fullname" -}}
{{- include "common.names.of" (dict "ctx" . "name" .Chart.Name) -}}
{{- end -}}

{{- define "common.names.serviceAccount" -}}
{{- if .Values.serviceAccount.create -}}
{{- default (include "common.names.fullname" .) .Values.serviceAccount.name -}}
{{- else -}}
{{- default "default" .Values.serviceAccount.name -}}
{{- end -}}
{{- end -}}

{{/* Name of the service's CloudNativePG cluster (its app Secret is <name>-app). */}}
{{- define "common.names.cnpgCluster" -}}
{{- printf "%s-db" (include "common.names.fullname" .) -}}
{{- end -}}

{{/* gRPC address of a platform service: (dict "ctx" $ "name" "auth") -> <prefix>-auth:50051 */}}
{{- define "common.names.grpcAddress" -}}
{{- $all := include "common.platform" .ctx | fromYaml -}}
{{- printf "%s:%d" (include "common.names.of" .) (int (get $all .name).grpcPort) -}}
{{- end -}}
