{{/*
The platform's topology, in one place: ports, which services own a database or use Redis, and who calls whom
over gRPC (docs/architecture.md). NetworkPolicies, gRPC addresses and alerts are derived from it.
*/}}
{{- define "common.platform" -}}
gateway:
  httpPort: 8080
  grpcPort: 50050
  database: false
  redis: true
  public: true
  providers: false
  calls: [auth, ai-routing, knowledge, orchestrator, analytics]
  hookWeight: 0
auth:
  httpPort: 8081
  grpcPort: 50051
  database: true
  redis: false
  public: false
  providers: false
  calls: []
  hookWeight: 1
ai-routing:
  httpPort: 8082
  grpcPort: 50052
  database: true
  redis: true
  public: false
  providers: true
  calls: []
  hookWeight: 2
knowledge:
  httpPort: 8083
  grpcPort: 50053
  database: true
  redis: false
  public: false
  providers: false
  calls: [ai-routing]
  hookWeight: 3
orchestrator:
  httpPort: 8084
  grpcPort: 50054
  database: true
  redis: false
  public: false
  providers: false
  calls: [ai-routing, knowledge]
  hookWeight: 4
analytics:
  httpPort: 8085
  grpcPort: 50055
  database: true
  redis: false
  public: false
  providers: false
  calls: []
  hookWeight: 5
{{- end -}}

{{/* The platform entry of the current (sub)chart, as YAML. */}}
{{- define "common.platform.self" -}}
{{- $all := include "common.platform" . | fromYaml -}}
{{- $self := get $all .Chart.Name -}}
{{- if not $self -}}
{{- fail (printf "common: %q is not a brainmesh service (see common.platform)" .Chart.Name) -}}
{{- end -}}
{{- toYaml $self -}}
{{- end -}}

{{/* The services calling the current one over gRPC: YAML {callers: [...]}. */}}
{{- define "common.platform.callers" -}}
{{- $all := include "common.platform" . | fromYaml -}}
{{- $callers := list -}}
{{- range $name := keys $all | sortAlpha -}}
{{- if has $.Chart.Name (get $all $name).calls -}}
{{- $callers = append $callers $name -}}
{{- end -}}
{{- end -}}
{{- toYaml (dict "callers" $callers) -}}
{{- end -}}
