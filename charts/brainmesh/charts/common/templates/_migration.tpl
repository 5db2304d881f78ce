{{/*
Migration Job of a database service (migrations mode "job"): a pre-install/pre-upgrade hook, so the schema is
current before any pod of the new version starts; a failure aborts the install/upgrade and keeps the Job for
`kubectl logs`. Hooks run before the release's own resources exist, so the Job uses no release ConfigMap,
Secret or ServiceAccount: its settings are inline, its database URL comes from an existing Secret or from a
hook Secret (weight -10, deleted once every hook succeeded).
*/}}
{{- define "common.migration" -}}
{{- if eq (include "common.migrations.mode" .) "job" -}}
{{- $self := include "common.platform.self" . | fromYaml -}}
{{- $fullname := include "common.names.fullname" . -}}
{{- $g := .Values.global -}}
{{- $hookSecret := printf "%s-migrate" $fullname -}}
{{- $data := include "common.env.secretData" (dict "ctx" . "migration" true) -}}
{{- if $data }}
---
apiVersion: v1
kind: Secret
metadata:
  name: {{ $hookSecret }}
  namespace: {{ .Release.Namespace }}
  labels:
    {{- include "common.labels.standard" . | nindent 4 }}
    app.kubernetes.io/component: migration
  annotations:
    helm.sh/hook: pre-install,pre-upgrade
    helm.sh/hook-weight: "-10"
    helm.sh/hook-delete-policy: before-hook-creation,hook-succeeded
type: Opaque
data:
  {{- $data | trim | nindent 2 }}
{{- end }}
---
apiVersion: batch/v1
kind: Job
metadata:
  name: {{ $fullname }}-migrate
  namespace: {{ .Release.Namespace }}
  labels:
    {{- include "common.labels.standard" . | nindent 4 }}
    app.kubernetes.io/component: migration
  annotations:
    helm.sh/hook: pre-install,pre-upgrade
    helm.sh/hook-weight: {{ int $self.hookWeight | toString | quote }}
    helm.sh/hook-delete-policy: before-hook-creation,hook-succeeded
spec:
  backoffLimit: {{ int $g.migrations.backoffLimit }}
  activeDeadlineSeconds: {{ int $g.migrations.activeDeadlineSeconds }}
  template:
    metadata:
      labels:
        {{- include "common.labels.standard" . | nindent 8 }}
        app.kubernetes.io/component: migration
        {{- with include "common.mesh.podLabels" (dict "ctx" . "inject" false) | trim }}{{ . | nindent 8 }}{{ end }}
      {{- $annotations := include "common.mesh.podAnnotations" (dict "ctx" . "inject" false) | fromYaml | default dict }}
      {{- $annotations = mergeOverwrite $annotations (.Values.global.podAnnotations | default dict) (.Values.podAnnotations | default dict) }}
      {{- with $annotations }}
      annotations:
        {{- toYaml . | nindent 8 }}
      {{- end }}
    spec:
      restartPolicy: Never
      {{- with $g.migrations.serviceAccountName }}
      serviceAccountName: {{ . }}
      {{- end }}
      automountServiceAccountToken: false
      enableServiceLinks: false
      securityContext:
        {{- include "common.pod.securityContext" . | nindent 8 }}
      {{- with include "common.image.pullSecrets" . | trim }}{{ . | nindent 6 }}{{ end }}
      {{- with include "common.pod.scheduling" . | trim }}{{ . | nindent 6 }}{{ end }}
      {{- if gt (int $g.migrations.waitForDatabaseSeconds) 0 }}
      initContainers:
        # Waits until the database accepts TCP connections (a new CNPG cluster bootstraps for a minute or two).
        - name: wait-for-database
          image: {{ include "common.image" . }}
          imagePullPolicy: {{ $g.image.pullPolicy }}
          command:
            - node
            - -e
            - {{ include "common.migration.waitScript" . | quote }}
          env:
            - name: WAIT_SECONDS
              value: {{ int $g.migrations.waitForDatabaseSeconds | toString | quote }}
            {{- with include "common.env.secretRefs" (dict "ctx" . "migration" true "secretName" $hookSecret) | trim }}{{ . | nindent 12 }}{{ end }}
          resources:
            {{- toYaml ($g.migrations.resources | default (.Values.resources | default $g.resources)) | nindent 12 }}
          securityContext:
            {{- include "common.container.securityContext" . | nindent 12 }}
      {{- end }}
      containers:
        - name: migrate
          image: {{ include "common.image" . }}
          imagePullPolicy: {{ $g.image.pullPolicy }}
          command:
            {{- include "common.container.command" (dict "ctx" . "command" "migrate") | nindent 12 }}
          env:
            - name: NODE_ENV
              value: {{ $g.nodeEnv | quote }}
            - name: LOG_LEVEL
              value: {{ .Values.logLevel | default $g.logLevel | quote }}
            - name: DATABASE_POOL_MAX
              value: "2"
            {{- with include "common.env.secretRefs" (dict "ctx" . "migration" true "secretName" $hookSecret) | trim }}{{ . | nindent 12 }}{{ end }}
          resources:
            {{- toYaml ($g.migrations.resources | default (.Values.resources | default $g.resources)) | nindent 12 }}
          securityContext:
            {{- include "common.container.securityContext" . | nindent 12 }}
          volumeMounts:
            - name: tmp
              mountPath: /tmp
      volumes:
        {{- include "common.pod.tmpVolume" . | nindent 8 }}
{{- end -}}
{{- end -}}


{{/* Node one-liner: wait until DATABASE_URL's host:port accepts TCP connections, for WAIT_SECONDS at most. */}}
{{- define "common.migration.waitScript" -}}
const net = require('net'); const url = new URL(process.env.DATABASE_URL || 'postgres://');
const host = url.hostname.replace(/^\[|\]$/g, ''); const port = Number(url.port || 5432);
const deadline = Date.now() + 1000 * Number(process.env.WAIT_SECONDS || 300);
if (!host) process.exit(0);
(function attempt() {
  const s = net.connect({ host, port, timeout: 3000 });
  s.on('connect', () => { console.log(`database ${host}:${port} is reachable`); s.end(); process.exit(0); });
  const retry = (e) => { s.destroy(); if (Date.now() > deadline) { console.error(`database ${host}:${port} unreachable: ${e ? e.message : 'timeout'}`); process.exit(1); } setTimeout(attempt, 2000); };
  s.on('error', retry); s.on('timeout', () => retry());
})();
{{- end -}}
