# syntax=docker/dockerfile:1
# One image for all six brainmesh services (and the brainmesh CLI).
#
#   docker build -t brainmesh .                                   # linux/amd64 or linux/arm64
#   docker run -e BRAINMESH_SERVICE=auth -e DATABASE_URL=… -e KAFKA_BROKERS=… brainmesh migrate
#   docker run -e BRAINMESH_SERVICE=auth -e DATABASE_URL=… -e KAFKA_BROKERS=… brainmesh
#   docker run -e BRAINMESH_SERVICE=cli brainmesh bootstrap --auth-grpc auth:50051 --out /tmp/c.json
#
# BRAINMESH_SERVICE (gateway, auth, ai-routing, knowledge, orchestrator, analytics, cli; default
# from the SERVICE build argument, gateway) picks what runs: node services/<name>/dist/main.js,
# with the container's arguments passed on (so `migrate` applies migrations and exits).
# The process runs as uid/gid 10001 and writes nothing outside /tmp, so the root filesystem can
# be read-only (mount an emptyDir on /tmp). No HEALTHCHECK: Kubernetes probes /healthz, /readyz.
# Checked by `node tools/deploy/dockerfile-lint.mjs` (BuildKit parser and build checks).
#
# The base image is pinned by version. Release builds pin it by digest as well, by passing the
# digest the version resolves to at release time:
#   --build-arg NODE_IMAGE=node:20.20.2-bookworm-slim@sha256:<digest>
ARG NODE_IMAGE=node:20.20.2-bookworm-slim

# ── manifests: package.json files only, so the npm install layers are reused until they change ──
FROM --platform=$BUILDPLATFORM ${NODE_IMAGE} AS manifests
WORKDIR /src
RUN --mount=type=bind,target=/src \
    mkdir /manifests \
 && cp --parents package.json package-lock.json libs/*/package.json services/*/package.json \
      tools/cli/package.json tools/embedded/package.json /manifests/

# ── build: all dependencies, then buf (proto → TS) and tsc through Nx, on the build machine ──
FROM --platform=$BUILDPLATFORM ${NODE_IMAGE} AS build
WORKDIR /app
ENV CI=true NX_DAEMON=false NX_NO_CLOUD=true NX_TUI=false NPM_CONFIG_UPDATE_NOTIFIER=false
COPY --from=manifests /manifests/ ./
# `npm install`, not `npm ci`: the lock file lacks some other platforms' optional binaries, which
# `npm ci` refuses as out of sync; the locked versions are installed all the same. Install scripts
# run only for the packages package.json allows (allowScripts).
RUN --mount=type=cache,target=/root/.npm,sharing=locked \
    npm install --no-audit --no-fund --ignore-scripts \
 && npm rebuild @bufbuild/buf @swc/core nx protobufjs
COPY . .
RUN npx nx run-many -t build --output-style=static \
 && for dir in libs/* services/* tools/cli tools/embedded; do \
      mkdir -p "/out/$dir" && cp "$dir/package.json" "/out/$dir/" && cp -R "$dir/dist" "/out/$dir/dist"; \
    done \
 && find /out \( -name '*.d.ts' -o -name '*.map' -o -name '*.tsbuildinfo' -o -name '.tsbuildinfo' \) -delete

# ── prod-deps: production dependencies for the target platform (native @node-rs/argon2 binary) ──
FROM ${NODE_IMAGE} AS prod-deps
WORKDIR /app
COPY --from=manifests /manifests/ ./
RUN --mount=type=cache,target=/root/.npm,sharing=locked \
    npm install --omit=dev --no-audit --no-fund --ignore-scripts

# ── runtime ──
FROM ${NODE_IMAGE} AS runtime
ARG SERVICE=gateway
ARG VERSION=0.0.0-dev
ARG REVISION=""
ARG CREATED=""
ARG SOURCE=""
LABEL org.opencontainers.image.title="brainmesh" \
      org.opencontainers.image.description="brainmesh: self-hosted, multi-tenant AI platform (gateway, auth, ai-routing, knowledge, orchestrator, analytics)" \
      org.opencontainers.image.licenses="Apache-2.0" \
      org.opencontainers.image.version="${VERSION}" \
      org.opencontainers.image.revision="${REVISION}" \
      org.opencontainers.image.created="${CREATED}" \
      org.opencontainers.image.source="${SOURCE}"
ENV NODE_ENV=production \
    BRAINMESH_SERVICE=${SERVICE} \
    HOME=/tmp \
    TMPDIR=/tmp
# A system user and group 10001; npm, npx, corepack and yarn are not needed at run time.
RUN groupadd --system --gid 10001 brainmesh \
 && useradd --system --uid 10001 --gid 10001 --no-create-home --home-dir /nonexistent \
      --shell /usr/sbin/nologin brainmesh \
 && rm -rf /usr/local/lib/node_modules/npm /usr/local/lib/node_modules/corepack /opt/yarn-* \
      /usr/local/bin/npm /usr/local/bin/npx /usr/local/bin/corepack /usr/local/bin/yarn /usr/local/bin/yarnpkg
WORKDIR /app
# Owned by root and not writable by the service user.
COPY --link --from=prod-deps /app/ ./
COPY --link --from=build /out/ ./
COPY --chmod=0555 <<'EOF' /usr/local/bin/brainmesh-entrypoint
#!/bin/sh
# Runs the service BRAINMESH_SERVICE names; the container's arguments go to it (e.g. migrate).
set -eu
service="${BRAINMESH_SERVICE:-}"
case "$service" in
  cli) main=/app/tools/cli/dist/main.js ;;
  '' | */* | .*) main= ;;
  *) main="/app/services/$service/dist/main.js" ;;
esac
if [ -z "$main" ] || [ ! -f "$main" ]; then
  echo "brainmesh: BRAINMESH_SERVICE must be one of: $(ls /app/services | tr '\n' ' ')cli (got \"$service\")" >&2
  exit 64
fi
exec node "$main" "$@"
EOF
USER 10001:10001
EXPOSE 8080-8085 50050-50055
STOPSIGNAL SIGTERM
HEALTHCHECK NONE
ENTRYPOINT ["/usr/local/bin/brainmesh-entrypoint"]
