{{- define "common.image.tag" -}}
{{- $i := .Values.image | default dict -}}
{{- $i.tag | default .Values.global.image.tag | default .Chart.AppVersion | toString -}}
{{- end -}}

{{/* Image reference of the current service: <registry>/<repository>(:<tag>|@<digest>). */}}
{{- define "common.image" -}}
{{- $g := .Values.global.image -}}
{{- $i := .Values.image | default dict -}}
{{- $registry := $i.registry | default $g.registry -}}
{{- $ref := $i.repository | default $g.repository -}}
{{- if $registry }}{{ $ref = printf "%s/%s" $registry $ref }}{{ end -}}
{{- $digest := $i.digest | default $g.digest -}}
{{- if $digest -}}
{{- printf "%s@%s" $ref $digest -}}
{{- else -}}
{{- printf "%s:%s" $ref (include "common.image.tag" .) -}}
{{- end -}}
{{- end -}}

{{- define "common.image.pullSecrets" -}}
{{- with .Values.global.imagePullSecrets }}
imagePullSecrets:
  {{- toYaml . | nindent 2 }}
{{- end }}
{{- end -}}
