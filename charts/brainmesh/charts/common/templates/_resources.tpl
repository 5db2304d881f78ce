{{- define "common.service" -}}
{{- $self := include "common.platform.self" . | fromYaml -}}
---
apiVersion: v1
kind: Service
metadata:
  name: {{ include "common.names.fullname" . }}
  namespace: {{ .Release.Namespace }}
  labels:
    {{- include "common.labels.standard" . | nindent 4 }}
  {{- with .Values.service.annotations }}
  annotations:
    {{- toYaml . | nindent 4 }}
  {{- end }}
spec:
  type: {{ .Values.service.type }}
  selector:
    {{- include "common.labels.selector" . | nindent 4 }}
    app.kubernetes.io/component: server
  ports:
    - name: http
      port: {{ int $self.httpPort }}
      targetPort: http
      protocol: TCP
      appProtocol: http
    - name: grpc
      port: {{ int $self.grpcPort }}
      targetPort: grpc
      protocol: TCP
      appProtocol: grpc
{{- end -}}

{{- define "common.serviceAccount" -}}
{{- if .Values.serviceAccount.create -}}
---
apiVersion: v1
kind: ServiceAccount
metadata:
  name: {{ include "common.names.serviceAccount" . }}
  namespace: {{ .Release.Namespace }}
  labels:
    {{- include "common.labels.standard" . | nindent 4 }}
  {{- with .Values.serviceAccount.annotations }}
  annotations:
    {{- toYaml . | nindent 4 }}
  {{- end }}
automountServiceAccountToken: false
{{- end -}}
{{- end -}}

{{/* Non-secret settings only: secrets go to common.secret. */}}
{{- define "common.configMap" -}}
---
apiVersion: v1
kind: ConfigMap
metadata:
  name: {{ include "common.names.fullname" . }}
  namespace: {{ .Release.Namespace }}
  labels:
    {{- include "common.labels.standard" . | nindent 4 }}
data:
  {{- include "common.env.config" . | trim | nindent 2 }}
{{- end -}}

{{/* The service's Secret with its inline secret values (none: no Secret). */}}
{{- define "common.secret" -}}
{{- $data := include "common.env.secretData" (dict "ctx" . "migration" false) -}}
{{- if $data -}}
---
apiVersion: v1
kind: Secret
metadata:
  name: {{ include "common.names.fullname" . }}
  namespace: {{ .Release.Namespace }}
  labels:
    {{- include "common.labels.standard" . | nindent 4 }}
type: Opaque
data:
  {{- $data | trim | nindent 2 }}
{{- end -}}
{{- end -}}

{{- define "common.hpa" -}}
{{- $a := .Values.autoscaling -}}
{{- if $a.enabled -}}
---
apiVersion: autoscaling/v2
kind: HorizontalPodAutoscaler
metadata:
  name: {{ include "common.names.fullname" . }}
  namespace: {{ .Release.Namespace }}
  labels:
    {{- include "common.labels.standard" . | nindent 4 }}
spec:
  scaleTargetRef:
    apiVersion: apps/v1
    kind: Deployment
    name: {{ include "common.names.fullname" . }}
  minReplicas: {{ int $a.minReplicas }}
  maxReplicas: {{ int $a.maxReplicas }}
  metrics:
    {{- if gt (int $a.targetCPUUtilizationPercentage) 0 }}
    - type: Resource
      resource:
        name: cpu
        target:
          type: Utilization
          averageUtilization: {{ int $a.targetCPUUtilizationPercentage }}
    {{- end }}
    {{- if gt (int $a.targetMemoryUtilizationPercentage) 0 }}
    - type: Resource
      resource:
        name: memory
        target:
          type: Utilization
          averageUtilization: {{ int $a.targetMemoryUtilizationPercentage }}
    {{- end }}
  {{- with $a.behavior }}
  behavior:
    {{- toYaml . | nindent 4 }}
  {{- end }}
{{- end -}}
{{- end -}}

{{- define "common.pdb" -}}
{{- $p := .Values.pdb -}}
{{- if $p.enabled -}}
---
apiVersion: policy/v1
kind: PodDisruptionBudget
metadata:
  name: {{ include "common.names.fullname" . }}
  namespace: {{ .Release.Namespace }}
  labels:
    {{- include "common.labels.standard" . | nindent 4 }}
spec:
  {{- if ne (include "common.env.string" $p.minAvailable) "" }}
  minAvailable: {{ include "common.intOrString" $p.minAvailable }}
  {{- else }}
  maxUnavailable: {{ include "common.intOrString" $p.maxUnavailable }}
  {{- end }}
  unhealthyPodEvictionPolicy: AlwaysAllow
  selector:
    matchLabels:
      {{- include "common.labels.selector" . | nindent 6 }}
      app.kubernetes.io/component: server
{{- end -}}
{{- end -}}

{{/* 1 -> 1, "50%" -> "50%", "2" -> 2 */}}
{{- define "common.intOrString" -}}
{{- $s := include "common.env.string" . -}}
{{- if regexMatch "^[0-9]+$" $s -}}{{ $s }}{{- else -}}{{ $s | quote }}{{- end -}}
{{- end -}}

{{- define "common.serviceMonitor" -}}
{{- $sm := .Values.global.serviceMonitor -}}
{{- $enabled := .Values.serviceMonitor.enabled -}}
{{- if kindIs "invalid" $enabled }}{{ $enabled = $sm.enabled }}{{ end -}}
{{- if $enabled -}}
---
apiVersion: monitoring.coreos.com/v1
kind: ServiceMonitor
metadata:
  name: {{ include "common.names.fullname" . }}
  namespace: {{ .Release.Namespace }}
  labels:
    {{- include "common.labels.standard" . | nindent 4 }}
    {{- with $sm.labels }}
    {{- toYaml . | nindent 4 }}
    {{- end }}
spec:
  selector:
    matchLabels:
      {{- include "common.labels.selector" . | nindent 6 }}
  namespaceSelector:
    matchNames:
      - {{ .Release.Namespace }}
  endpoints:
    - port: http
      path: /metrics
      interval: {{ $sm.interval }}
      scrapeTimeout: {{ $sm.scrapeTimeout }}
{{- end -}}
{{- end -}}

{{/* Istio PeerAuthentication of the service (mesh.type istio). */}}
{{- define "common.peerAuthentication" -}}
{{- $m := .Values.global.mesh -}}
{{- if and (eq $m.type "istio") $m.istio.peerAuthentication -}}
{{- $self := include "common.platform.self" . | fromYaml -}}
---
apiVersion: security.istio.io/v1
kind: PeerAuthentication
metadata:
  name: {{ include "common.names.fullname" . }}
  namespace: {{ .Release.Namespace }}
  labels:
    {{- include "common.labels.standard" . | nindent 4 }}
spec:
  selector:
    matchLabels:
      {{- include "common.labels.selector" . | nindent 6 }}
      app.kubernetes.io/component: server
  mtls:
    mode: {{ $m.istio.mtlsMode }}
  portLevelMtls:
    {{ int $self.httpPort }}:
      mode: {{ $m.istio.httpPortMtlsMode }}
{{- end -}}
{{- end -}}
