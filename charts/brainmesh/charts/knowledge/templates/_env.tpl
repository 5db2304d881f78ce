{{- define "knowledge.env" -}}
{{- /* gRPC client of ai-routing (embeddings); read once the service calls it. */ -}}
AI_ROUTING_GRPC_URL: {{ include "common.names.grpcAddress" (dict "ctx" . "name" "ai-routing") }}
{{- end -}}

{{- define "knowledge.secretEnv" -}}
{{- end -}}
