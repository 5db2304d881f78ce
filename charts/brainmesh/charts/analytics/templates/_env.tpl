{{- define "analytics.env" -}}
{{- end -}}

{{- define "analytics.secretEnv" -}}
{{- end -}}
