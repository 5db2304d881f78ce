{{/* Selector labels of a component: (dict "ctx" $ "name" "kafka") */}}
{{- define "common.labels.selectorOf" -}}
app.kubernetes.io/name: {{ .name }}
app.kubernetes.io/instance: {{ .ctx.Release.Name }}
{{- end -}}

{{/* Standard labels of a component: (dict "ctx" $ "name" "kafka" "version" "4.1.1") */}}
{{- define "common.labels.standardOf" -}}
{{ include "common.labels.selectorOf" . }}
app.kubernetes.io/part-of: brainmesh
{{- with .version }}
app.kubernetes.io/version: {{ . | toString | replace "+" "_" | trunc 63 | trimSuffix "-" | quote }}
{{- end }}
app.kubernetes.io/managed-by: {{ .ctx.Release.Service }}
helm.sh/chart: {{ printf "%s-%s" .ctx.Chart.Name .ctx.Chart.Version | replace "+" "_" | trunc 63 | trimSuffix "-" }}
{{- end -}}

{{- define "common.labels.selector" -}}
{{ include "common.labels.selectorOf" (dict "ctx" . "name" .Chart.Name) }}
{{- end -}}

{{- define "common.labels.standard" -}}
{{ include "common.labels.standardOf" (dict "ctx" . "name" .Chart.Name "version" (include "common.image.tag" .)) }}
{{- end -}}
