{{- define "common.pod.securityContext" -}}
{{- toYaml (.Values.podSecurityContext | default .Values.global.podSecurityContext) -}}
{{- end -}}

{{- define "common.container.securityContext" -}}
{{- toYaml (.Values.containerSecurityContext | default .Values.global.containerSecurityContext) -}}
{{- end -}}

{{- define "common.resources" -}}
{{- toYaml (.Values.resources | default .Values.global.resources) -}}
{{- end -}}

{{/* Mesh labels / annotations of a pod: (dict "ctx" $ "inject" bool) */}}
{{- define "common.mesh.podLabels" -}}
{{- $m := .ctx.Values.global.mesh.type -}}
{{- if eq $m "istio" }}
sidecar.istio.io/inject: {{ ternary "true" "false" .inject | quote }}
{{- end }}
{{- end -}}

{{- define "common.mesh.podAnnotations" -}}
{{- $m := .ctx.Values.global.mesh.type -}}
{{- if eq $m "linkerd" }}
linkerd.io/inject: {{ ternary "enabled" "disabled" .inject }}
{{- else if and (eq $m "istio") .inject }}
proxy.istio.io/config: '{"holdApplicationUntilProxyStarts": true}'
{{- end }}
{{- end -}}

{{/* nodeSelector, tolerations, affinity, priority class. */}}
{{- define "common.pod.scheduling" -}}
{{- with (.Values.nodeSelector | default .Values.global.nodeSelector) }}
nodeSelector:
  {{- toYaml . | nindent 2 }}
{{- end }}
{{- with (.Values.tolerations | default .Values.global.tolerations) }}
tolerations:
  {{- toYaml . | nindent 2 }}
{{- end }}
{{- with .Values.affinity }}
affinity:
  {{- toYaml . | nindent 2 }}
{{- end }}
{{- with (.Values.priorityClassName | default .Values.global.priorityClassName) }}
priorityClassName: {{ . }}
{{- end }}
{{- end -}}

{{/* Topology spread constraints of the service's server pods. */}}
{{- define "common.pod.topologySpread" -}}
{{- $ts := .Values.global.topologySpread -}}
{{- if .Values.topologySpreadConstraints }}
topologySpreadConstraints:
  {{- toYaml .Values.topologySpreadConstraints | nindent 2 }}
{{- else if $ts.enabled }}
topologySpreadConstraints:
  {{- range $ts.topologyKeys }}
  - maxSkew: {{ int $ts.maxSkew }}
    topologyKey: {{ . }}
    whenUnsatisfiable: {{ $ts.whenUnsatisfiable }}
    labelSelector:
      matchLabels:
        {{- include "common.labels.selector" $ | nindent 8 }}
        app.kubernetes.io/component: server
    matchLabelKeys:
      - pod-template-hash
  {{- end }}
{{- end }}
{{- end -}}

{{- define "common.pod.tmpVolume" -}}
- name: tmp
  emptyDir:
    {{- with .Values.global.tmpVolume.medium }}
    medium: {{ . }}
    {{- end }}
    {{- with .Values.global.tmpVolume.sizeLimit }}
    sizeLimit: {{ . }}
    {{- end }}
{{- end -}}

{{/* Container command of the service: (dict "ctx" $ "command" "serve"|"migrate") */}}
{{- define "common.container.command" -}}
{{- if and (eq .command "serve") .ctx.Values.command -}}
{{- toYaml .ctx.Values.command -}}
{{- else -}}
- node
- services/{{ .ctx.Chart.Name }}/dist/main.js
- {{ .command }}
{{- end -}}
{{- end -}}

{{/* terminationGracePeriodSeconds: SHUTDOWN_GRACE_MS + preStop sleep + 5 s, unless set. */}}
{{- define "common.pod.terminationGrace" -}}
{{- $g := .Values.global -}}
{{- if gt (int $g.terminationGracePeriodSeconds) 0 -}}
{{- int $g.terminationGracePeriodSeconds -}}
{{- else -}}
{{- add (div (add (int64 $g.shutdownGraceMs) 999) 1000) (int $g.preStopSleepSeconds) 5 -}}
{{- end -}}
{{- end -}}
