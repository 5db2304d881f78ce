{{- define "common.deployment" -}}
{{- $self := include "common.platform.self" . | fromYaml -}}
{{- $fullname := include "common.names.fullname" . -}}
{{- $g := .Values.global -}}
{{- $probes := .Values.probes -}}
{{- $mode := include "common.migrations.mode" . -}}
{{- $secretData := include "common.env.secretData" (dict "ctx" . "migration" false) -}}
---
apiVersion: apps/v1
kind: Deployment
metadata:
  name: {{ $fullname }}
  namespace: {{ .Release.Namespace }}
  labels:
    {{- include "common.labels.standard" . | nindent 4 }}
    app.kubernetes.io/component: server
spec:
  {{- if not .Values.autoscaling.enabled }}
  replicas: {{ int .Values.replicaCount }}
  {{- end }}
  revisionHistoryLimit: 5
  strategy:
    type: RollingUpdate
    rollingUpdate:
      maxSurge: 25%
      maxUnavailable: 0
  selector:
    matchLabels:
      {{- include "common.labels.selector" . | nindent 6 }}
      app.kubernetes.io/component: server
  template:
    metadata:
      labels:
        {{- include "common.labels.standard" . | nindent 8 }}
        app.kubernetes.io/component: server
        {{- with include "common.mesh.podLabels" (dict "ctx" . "inject" true) | trim }}{{ . | nindent 8 }}{{ end }}
        {{- with $g.podLabels }}
        {{- toYaml . | nindent 8 }}
        {{- end }}
        {{- with .Values.podLabels }}
        {{- toYaml . | nindent 8 }}
        {{- end }}
      annotations:
        checksum/config: {{ include "common.configMap" . | sha256sum }}
        checksum/secret: {{ $secretData | sha256sum }}
        {{- with include "common.mesh.podAnnotations" (dict "ctx" . "inject" true) | trim }}{{ . | nindent 8 }}{{ end }}
        {{- with $g.podAnnotations }}
        {{- toYaml . | nindent 8 }}
        {{- end }}
        {{- with .Values.podAnnotations }}
        {{- toYaml . | nindent 8 }}
        {{- end }}
    spec:
      serviceAccountName: {{ include "common.names.serviceAccount" . }}
      automountServiceAccountToken: false
      enableServiceLinks: false
      terminationGracePeriodSeconds: {{ include "common.pod.terminationGrace" . }}
      securityContext:
        {{- include "common.pod.securityContext" . | nindent 8 }}
      {{- with include "common.image.pullSecrets" . | trim }}{{ . | nindent 6 }}{{ end }}
      {{- with include "common.pod.scheduling" . | trim }}{{ . | nindent 6 }}{{ end }}
      {{- with include "common.pod.topologySpread" . | trim }}{{ . | nindent 6 }}{{ end }}
      {{- if eq $mode "initContainer" }}
      initContainers:
        - name: migrate
          image: {{ include "common.image" . }}
          imagePullPolicy: {{ $g.image.pullPolicy }}
          command:
            {{- include "common.container.command" (dict "ctx" . "command" "migrate") | nindent 12 }}
          envFrom:
            - configMapRef:
                name: {{ $fullname }}
          env:
            {{- with include "common.env.secretRefs" (dict "ctx" . "migration" true "secretName" $fullname) | trim }}{{ . | nindent 12 }}{{ end }}
          resources:
            {{- toYaml ($g.migrations.resources | default (.Values.resources | default $g.resources)) | nindent 12 }}
          securityContext:
            {{- include "common.container.securityContext" . | nindent 12 }}
          volumeMounts:
            - name: tmp
              mountPath: /tmp
      {{- end }}
      containers:
        - name: {{ .Chart.Name }}
          image: {{ include "common.image" . }}
          imagePullPolicy: {{ $g.image.pullPolicy }}
          command:
            {{- include "common.container.command" (dict "ctx" . "command" "serve") | nindent 12 }}
          ports:
            - name: http
              containerPort: {{ int $self.httpPort }}
              protocol: TCP
            - name: grpc
              containerPort: {{ int $self.grpcPort }}
              protocol: TCP
          envFrom:
            - configMapRef:
                name: {{ $fullname }}
            {{- with .Values.extraEnvFrom }}
            {{- toYaml . | nindent 12 }}
            {{- end }}
          {{- $secretRefs := include "common.env.secretRefs" (dict "ctx" . "migration" false "secretName" $fullname) }}
          {{- if or $secretRefs .Values.extraEnv }}
          env:
            {{- with $secretRefs | trim }}{{ . | nindent 12 }}{{ end }}
            {{- with .Values.extraEnv }}
            {{- toYaml . | nindent 12 }}
            {{- end }}
          {{- end }}
          startupProbe:
            {{- include "common.probe.ready" (dict "ctx" . "self" $self) | nindent 12 }}
            periodSeconds: {{ int $probes.startup.periodSeconds }}
            failureThreshold: {{ int $probes.startup.failureThreshold }}
            timeoutSeconds: {{ int $probes.startup.timeoutSeconds }}
          readinessProbe:
            {{- include "common.probe.ready" (dict "ctx" . "self" $self) | nindent 12 }}
            periodSeconds: {{ int $probes.readiness.periodSeconds }}
            failureThreshold: {{ int $probes.readiness.failureThreshold }}
            timeoutSeconds: {{ int $probes.readiness.timeoutSeconds }}
          livenessProbe:
            httpGet:
              path: /healthz
              port: http
            periodSeconds: {{ int $probes.liveness.periodSeconds }}
            failureThreshold: {{ int $probes.liveness.failureThreshold }}
            timeoutSeconds: {{ int $probes.liveness.timeoutSeconds }}
          {{- if gt (int $g.preStopSleepSeconds) 0 }}
          lifecycle:
            preStop:
              {{- if $g.preStopSleepAction }}
              sleep:
                seconds: {{ int $g.preStopSleepSeconds }}
              {{- else }}
              exec:
                command:
                  - node
                  - -e
                  - setTimeout(() => {}, {{ mul (int $g.preStopSleepSeconds) 1000 }})
              {{- end }}
          {{- end }}
          resources:
            {{- include "common.resources" . | nindent 12 }}
          securityContext:
            {{- include "common.container.securityContext" . | nindent 12 }}
          volumeMounts:
            - name: tmp
              mountPath: /tmp
            {{- with .Values.extraVolumeMounts }}
            {{- toYaml . | nindent 12 }}
            {{- end }}
      volumes:
        {{- include "common.pod.tmpVolume" . | nindent 8 }}
        {{- with .Values.extraVolumes }}
        {{- toYaml . | nindent 8 }}
        {{- end }}
{{- end -}}

{{/* Startup/readiness check: native gRPC health probe or GET /readyz. */}}
{{- define "common.probe.ready" -}}
{{- if eq .ctx.Values.probes.type "http" -}}
httpGet:
  path: /readyz
  port: http
{{- else -}}
grpc:
  port: {{ int .self.grpcPort }}
{{- end -}}
{{- end -}}
