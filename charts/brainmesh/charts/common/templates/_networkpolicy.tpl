{{/* A NetworkPolicy rule: (dict "key" "to"|"from" "peers" list "ports" list). An empty peer list means any peer. */}}
{{- define "common.np.rule" -}}
{{- if .peers -}}
- {{ .key }}:
    {{- toYaml .peers | nindent 4 }}
  ports:
{{- else -}}
- ports:
{{- end }}
    {{- toYaml .ports | nindent 4 }}
{{- end -}}

{{/* Selector peer of a release component: (dict "ctx" $ "name" "kafka") */}}
{{- define "common.np.podPeer" -}}
- podSelector:
    matchLabels:
      {{- include "common.labels.selectorOf" . | nindent 6 }}
{{- end -}}

{{/*
The service's allow-list (global.networkPolicy.enabled). With the release's default-deny policy this is all
the service may do: ingress from its gRPC callers, the ingress controller (gateway), the scrapers; egress to DNS,
its gRPC callees, its database, Kafka, Redis, the OTel collector, LLM providers (ai-routing) and the mesh.
*/}}
{{- define "common.networkPolicy" -}}
{{- $np := .Values.global.networkPolicy -}}
{{- if $np.enabled -}}
{{- $self := include "common.platform.self" . | fromYaml -}}
{{- $all := include "common.platform" . | fromYaml -}}
{{- $callers := (include "common.platform.callers" . | fromYaml).callers -}}
{{- $g := .Values.global -}}
{{- $tcp := "TCP" -}}
---
apiVersion: networking.k8s.io/v1
kind: NetworkPolicy
metadata:
  name: {{ include "common.names.fullname" . }}
  namespace: {{ .Release.Namespace }}
  labels:
    {{- include "common.labels.standard" . | nindent 4 }}
spec:
  # Server pods and migration pods of this service.
  podSelector:
    matchLabels:
      {{- include "common.labels.selector" . | nindent 6 }}
  policyTypes:
    - Ingress
    - Egress
  ingress:
    {{- if $self.public }}
    # Public HTTP API, from the ingress controller / Gateway API implementation (any source when none is set).
    {{- include "common.np.rule" (dict "key" "from" "peers" $np.publicIngressFrom "ports" (list (dict "port" (int $self.httpPort) "protocol" $tcp))) | nindent 4 }}
    {{- end }}
    {{- if $callers }}
    # gRPC from the services that call this one.
    - from:
        {{- range $callers }}
        {{- include "common.np.podPeer" (dict "ctx" $ "name" .) | nindent 8 }}
        {{- end }}
      ports:
        - port: {{ int $self.grpcPort }}
          protocol: TCP
    {{- end }}
    {{- if $np.metricsFrom }}
    # Prometheus scraping /metrics.
    {{- include "common.np.rule" (dict "key" "from" "peers" $np.metricsFrom "ports" (list (dict "port" (int $self.httpPort) "protocol" $tcp))) | nindent 4 }}
    {{- end }}
    {{- if eq $g.mesh.type "linkerd" }}
    # Linkerd proxy-to-proxy traffic of the release.
    - from:
        - podSelector:
            matchLabels:
              app.kubernetes.io/instance: {{ .Release.Name }}
      ports:
        - port: 4143
          protocol: TCP
    {{- end }}
    {{- with $np.extraIngress }}
    {{- toYaml . | nindent 4 }}
    {{- end }}
    {{- with .Values.networkPolicy.extraIngress }}
    {{- toYaml . | nindent 4 }}
    {{- end }}
  egress:
    # DNS.
    {{- include "common.np.rule" (dict "key" "to" "peers" $np.dns.to "ports" $np.dns.ports) | nindent 4 }}
    {{- range $callee := $self.calls }}
    # gRPC to {{ $callee }}.
    - to:
        {{- include "common.np.podPeer" (dict "ctx" $ "name" $callee) | nindent 8 }}
      ports:
        - port: {{ int (get $all $callee).grpcPort }}
          protocol: TCP
    {{- end }}
    {{- $source := include "common.database.source" . }}
    {{- if eq $source "cnpg" }}
    # Postgres: the release's CloudNativePG cluster of this service.
    - to:
        - podSelector:
            matchLabels:
              cnpg.io/cluster: {{ include "common.names.cnpgCluster" . }}
      ports:
        - port: 5432
          protocol: TCP
    {{- else if or (eq $source "inline") (eq $source "existingSecret") }}
    # Postgres (external).
    {{- include "common.np.rule" (dict "key" "to" "peers" $np.database.to "ports" $np.database.ports) | nindent 4 }}
    {{- end }}
    {{- if $g.kafka.inCluster.enabled }}
    # Kafka (in-cluster).
    - to:
        {{- include "common.np.podPeer" (dict "ctx" . "name" "kafka") | nindent 8 }}
      ports:
        - port: 9092
          protocol: TCP
    {{- else if $g.kafka.brokers }}
    # Kafka (external).
    {{- include "common.np.rule" (dict "key" "to" "peers" $np.kafka.to "ports" $np.kafka.ports) | nindent 4 }}
    {{- end }}
    {{- if $self.redis }}
    {{- if or $g.redis.existingSecret $g.redis.url }}
    # Redis (external).
    {{- include "common.np.rule" (dict "key" "to" "peers" $np.redis.to "ports" $np.redis.ports) | nindent 4 }}
    {{- else if $g.redis.inCluster.enabled }}
    # Redis (in-cluster).
    - to:
        {{- include "common.np.podPeer" (dict "ctx" . "name" "redis") | nindent 8 }}
      ports:
        - port: 6379
          protocol: TCP
    {{- end }}
    {{- end }}
    {{- if $g.otel.endpoint }}
    # OpenTelemetry collector.
    {{- $ports := $np.otel.ports | default (list (dict "port" (int (include "common.otel.port" .)) "protocol" $tcp)) }}
    {{- include "common.np.rule" (dict "key" "to" "peers" $np.otel.to "ports" $ports) | nindent 4 }}
    {{- end }}
    {{- if $self.providers }}
    # LLM providers.
    {{- include "common.np.rule" (dict "key" "to" "peers" .Values.networkPolicy.providerEgress.to "ports" .Values.networkPolicy.providerEgress.ports) | nindent 4 }}
    {{- end }}
    {{- if eq $g.mesh.type "istio" }}
    # istiod (xDS, certificates).
    - to:
        - namespaceSelector:
            matchLabels:
              kubernetes.io/metadata.name: {{ $g.mesh.istio.controlPlaneNamespace }}
      ports:
        - port: 15012
          protocol: TCP
    {{- else if eq $g.mesh.type "linkerd" }}
    # Linkerd control plane (identity, destination, policy) and proxy-to-proxy traffic.
    - to:
        - namespaceSelector:
            matchLabels:
              kubernetes.io/metadata.name: {{ $g.mesh.linkerd.controlPlaneNamespace }}
      ports:
        - port: 8080
          protocol: TCP
        - port: 8086
          protocol: TCP
        - port: 8090
          protocol: TCP
    - to:
        - podSelector:
            matchLabels:
              app.kubernetes.io/instance: {{ .Release.Name }}
      ports:
        - port: 4143
          protocol: TCP
    {{- end }}
    {{- with $np.extraEgress }}
    {{- toYaml . | nindent 4 }}
    {{- end }}
    {{- with .Values.networkPolicy.extraEgress }}
    {{- toYaml . | nindent 4 }}
    {{- end }}
{{- end -}}
{{- end -}}
