{{/* Checks a service's values beyond what values.schema.json can express. */}}
{{- define "common.validate" -}}
{{- $source := include "common.database.source" . -}}
{{- if $source -}}
{{- $db := .Values.database -}}
{{- if and $db.url $db.existingSecret -}}
{{- fail (printf "%s.database: set either url or existingSecret, not both" .Chart.Name) -}}
{{- end -}}
{{- end -}}
{{- $a := .Values.autoscaling -}}
{{- if and $a.enabled (gt (int $a.minReplicas) (int $a.maxReplicas)) -}}
{{- fail (printf "%s.autoscaling: minReplicas (%d) is above maxReplicas (%d)" .Chart.Name (int $a.minReplicas) (int $a.maxReplicas)) -}}
{{- end -}}
{{- if and $a.enabled (eq (int $a.targetCPUUtilizationPercentage) 0) (eq (int $a.targetMemoryUtilizationPercentage) 0) -}}
{{- fail (printf "%s.autoscaling: set targetCPUUtilizationPercentage or targetMemoryUtilizationPercentage" .Chart.Name) -}}
{{- end -}}
{{- $p := .Values.pdb -}}
{{- if and $p.enabled (eq (include "common.env.string" $p.minAvailable) "") (eq (include "common.env.string" $p.maxUnavailable) "") -}}
{{- fail (printf "%s.pdb: set minAvailable or maxUnavailable" .Chart.Name) -}}
{{- end -}}
{{- end -}}

{{/* Every resource of a brainmesh service; a subchart's templates/resources.yaml is just this include. */}}
{{- define "common.app" -}}
{{- include "common.validate" . -}}
{{ include "common.serviceAccount" . }}
{{ include "common.configMap" . }}
{{ include "common.secret" . }}
{{ include "common.deployment" . }}
{{ include "common.service" . }}
{{ include "common.hpa" . }}
{{ include "common.pdb" . }}
{{ include "common.networkPolicy" . }}
{{ include "common.serviceMonitor" . }}
{{ include "common.peerAuthentication" . }}
{{ include "common.migration" . }}
{{ include "common.cnpg" . }}
{{- end -}}
