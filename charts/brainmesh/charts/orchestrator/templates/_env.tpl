{{- define "orchestrator.env" -}}
{{- /* gRPC clients of ai-routing and knowledge; read once the service calls them. */ -}}
AI_ROUTING_GRPC_URL: {{ include "common.names.grpcAddress" (dict "ctx" . "name" "ai-routing") }}
KNOWLEDGE_GRPC_URL: {{ include "common.names.grpcAddress" (dict "ctx" . "name" "knowledge") }}
{{- end -}}

{{- define "orchestrator.secretEnv" -}}
{{- end -}}
