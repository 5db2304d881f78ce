{{/*
CloudNativePG Cluster of a database service (global.postgresql.cnpg.enabled and no external database given).
The operator creates the database, its owner and the Secret <cluster>-app (key `uri`) the service reads.
It is a pre-install hook (weight -20): the pre-install migration Jobs need the database, and the release's own
resources are only created after every pre-install hook succeeded. As a hook it is created once, at install:
upgrades leave it alone (no deletion and re-creation of the data) and `helm uninstall` keeps it. The only
delete policy is hook-failed, so a re-install over a leftover cluster fails ("already exists") instead of
replacing it.
*/}}
{{- define "common.cnpg" -}}
{{- if eq (include "common.database.source" .) "cnpg" -}}
{{- $c := .Values.global.postgresql.cnpg -}}
{{- $name := include "common.names.cnpgCluster" . -}}
{{- $db := printf "brainmesh_%s" (.Chart.Name | replace "-" "_") -}}
---
apiVersion: postgresql.cnpg.io/v1
kind: Cluster
metadata:
  name: {{ $name }}
  namespace: {{ .Release.Namespace }}
  labels:
    {{- include "common.labels.standard" . | nindent 4 }}
    app.kubernetes.io/component: database
  annotations:
    helm.sh/hook: pre-install
    helm.sh/hook-weight: "-20"
    helm.sh/hook-delete-policy: hook-failed
spec:
  instances: {{ int $c.instances }}
  imageName: {{ $c.imageName }}
  enableSuperuserAccess: false
  inheritedMetadata:
    labels:
      app.kubernetes.io/part-of: brainmesh
      brainmesh.io/database-of: {{ .Chart.Name }}
  bootstrap:
    initdb:
      database: {{ $db }}
      owner: {{ $db }}
      {{- with .Values.database.cnpgPostInitSQL }}
      postInitApplicationSQL:
        {{- toYaml . | nindent 8 }}
      {{- end }}
  storage:
    size: {{ $c.storage.size }}
    {{- with $c.storage.storageClass }}
    storageClass: {{ . }}
    {{- end }}
  {{- with $c.resources }}
  resources:
    {{- toYaml . | nindent 4 }}
  {{- end }}
  {{- with $c.parameters }}
  postgresql:
    parameters:
      {{- toYaml . | nindent 6 }}
  {{- end }}
{{- if .Values.global.networkPolicy.enabled }}
{{- $np := .Values.global.networkPolicy }}
---
# Who may reach the service's Postgres: the service (and its migrations), the cluster's own instances
# (replication), the CNPG operator, the scrapers. Not selected by the release's default deny (no instance label).
apiVersion: networking.k8s.io/v1
kind: NetworkPolicy
metadata:
  name: {{ $name }}
  namespace: {{ .Release.Namespace }}
  labels:
    {{- include "common.labels.standard" . | nindent 4 }}
    app.kubernetes.io/component: database
spec:
  podSelector:
    matchLabels:
      cnpg.io/cluster: {{ $name }}
  policyTypes:
    - Ingress
  ingress:
    - from:
        {{- include "common.np.podPeer" (dict "ctx" . "name" .Chart.Name) | nindent 8 }}
      ports:
        - port: 5432
          protocol: TCP
    - from:
        - podSelector:
            matchLabels:
              cnpg.io/cluster: {{ $name }}
      ports:
        - port: 5432
          protocol: TCP
        - port: 8000
          protocol: TCP
    {{- with $np.cnpgOperatorFrom }}
    - from:
        {{- toYaml . | nindent 8 }}
      ports:
        - port: 8000
          protocol: TCP
        - port: 5432
          protocol: TCP
    {{- end }}
    {{- with $np.metricsFrom }}
    - from:
        {{- toYaml . | nindent 8 }}
      ports:
        - port: 9187
          protocol: TCP
    {{- end }}
{{- end }}
{{- end -}}
{{- end -}}
