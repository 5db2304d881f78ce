{{/* Gateway settings (README "Configuration"): gRPC addresses of every service, HTTP behaviour, rate limits. */}}
{{- define "gateway.env" -}}
{{- $c := .Values.config -}}
AUTH_GRPC_URL: {{ include "common.names.grpcAddress" (dict "ctx" . "name" "auth") }}
AI_ROUTING_GRPC_URL: {{ include "common.names.grpcAddress" (dict "ctx" . "name" "ai-routing") }}
KNOWLEDGE_GRPC_URL: {{ include "common.names.grpcAddress" (dict "ctx" . "name" "knowledge") }}
ORCHESTRATOR_GRPC_URL: {{ include "common.names.grpcAddress" (dict "ctx" . "name" "orchestrator") }}
ANALYTICS_GRPC_URL: {{ include "common.names.grpcAddress" (dict "ctx" . "name" "analytics") }}
TRUST_PROXY: {{ $c.trustProxy | quote }}
AI_REQUEST_TIMEOUT_MS: {{ int64 $c.aiRequestTimeoutMs | quote }}
AUTH_CACHE_TTL_MS: {{ int64 $c.authCacheTtlMs | quote }}
HTTP_BODY_LIMIT_BYTES: {{ int64 $c.httpBodyLimitBytes | quote }}
{{- with $c.corsOrigins }}
CORS_ORIGINS: {{ . | quote }}
{{- end }}
{{- with $c.rateLimits }}
RATE_LIMITS: {{ toJson . | quote }}
{{- end }}
{{- end -}}

{{- define "gateway.secretEnv" -}}
{{- end -}}
