{{- define "ai-routing.env" -}}
{{- $c := .Values.config -}}
UPSTREAM_TIMEOUT_MS: {{ int64 $c.upstreamTimeoutMs | quote }}
ROUTE_CACHE_TTL_MS: {{ int64 $c.routeCacheTtlMs | quote }}
USAGE_FLUSH_MS: {{ int64 $c.usageFlushMs | quote }}
BUDGET_LEASE_SYNC_MS: {{ int64 $c.budgetLeaseSyncMs | quote }}
DEFAULT_MAX_COMPLETION_TOKENS: {{ int64 $c.defaultMaxCompletionTokens | quote }}
CACHE_MAX_ENTRIES: {{ int64 $c.cacheMaxEntries | quote }}
{{- end -}}

{{/* PROVIDER_SECRET_KEYS: inline value (chart Secret) or an existing Secret. */}}
{{- define "ai-routing.secretEnv" -}}
{{- $k := .Values.providerSecretKeys -}}
{{- if and $k.value $k.existingSecret -}}
{{- fail "ai-routing.providerSecretKeys: set either value or existingSecret, not both" -}}
{{- end -}}
entries:
{{- if $k.existingSecret }}
  - env: PROVIDER_SECRET_KEYS
    secretName: {{ $k.existingSecret }}
    secretKey: {{ $k.existingSecretKey }}
{{- else if $k.value }}
  - env: PROVIDER_SECRET_KEYS
    value: {{ $k.value | quote }}
{{- else }} []
{{- end }}
{{- end -}}
