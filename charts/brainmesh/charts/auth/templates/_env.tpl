{{- define "auth.env" -}}
{{- $c := .Values.config -}}
ACCESS_TOKEN_TTL_S: {{ int64 $c.accessTokenTtlS | quote }}
REFRESH_TOKEN_TTL_S: {{ int64 $c.refreshTokenTtlS | quote }}
SIGNING_KEY_RETENTION_S: {{ int64 $c.signingKeyRetentionS | quote }}
{{- end -}}

{{- define "auth.secretEnv" -}}
{{- end -}}
