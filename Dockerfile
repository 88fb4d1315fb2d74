# Firebreak's production image. Build: docker build -t firebreak .
# test/e2e/dockerfile.test.ts lints this file and runs its npm steps and its start command as written
# (the build stage, the production install, the final user and command), so keep them plain.

# 1. Compile the TypeScript sources to dist/ (needs the dev dependencies: typescript).
FROM node:20-slim AS build
WORKDIR /app
COPY package.json package-lock.json ./
RUN npm ci --no-audit --no-fund
COPY tsconfig.json tsconfig.build.json ./
COPY scripts ./scripts
COPY src ./src
RUN npm run build

# 2. The production install: runtime dependencies only, no TypeScript tooling (tsx is a dev dependency).
FROM node:20-slim AS deps
WORKDIR /app
COPY package.json package-lock.json ./
RUN npm ci --omit=dev --no-audit --no-fund

# 3. kubectl for the deploy actions (/rollback, /scale, /restart, /status), checked against its published digest.
FROM debian:bookworm-slim AS kubectl
ARG KUBECTL_VERSION=v1.32.4
ARG TARGETARCH=amd64
RUN apt-get update \
 && apt-get install -y --no-install-recommends ca-certificates curl \
 && curl -fsSLo /kubectl "https://dl.k8s.io/release/${KUBECTL_VERSION}/bin/linux/${TARGETARCH}/kubectl" \
 && echo "$(curl -fsSL "https://dl.k8s.io/release/${KUBECTL_VERSION}/bin/linux/${TARGETARCH}/kubectl.sha256")  /kubectl" | sha256sum -c - \
 && chmod 0755 /kubectl

# 4. The image: Node 20, tini as PID 1 (forwards SIGTERM to Node, which drains), the PostgreSQL
# client tools for backups and restores (pg_dump/pg_restore/psql of PG_MAJOR, which dump servers up
# to that version), kubectl, and the app running as an unprivileged numeric user.
FROM node:20-slim
ARG PG_MAJOR=17
RUN apt-get update \
 && apt-get install -y --no-install-recommends ca-certificates tini postgresql-common \
 && /usr/share/postgresql-common/pgdg/apt.postgresql.org.sh -y \
 && apt-get install -y --no-install-recommends "postgresql-client-${PG_MAJOR}" \
 && rm -rf /var/lib/apt/lists/* \
 && install -d -o 1000 -g 1000 /var/lib/firebreak
COPY --from=kubectl /kubectl /usr/local/bin/kubectl
WORKDIR /app
COPY --from=deps /app/node_modules ./node_modules
COPY --from=build /app/dist ./dist
COPY package.json ./
COPY bin ./bin
# The embedded store (no DATABASE_URL) and the data-dir lock live here; mount a volume to keep them.
ENV NODE_ENV=production \
    PORT=3000 \
    FIREBREAK_DATA_DIR=/var/lib/firebreak
# uid/gid 1000 is the image's "node" user; numeric so Kubernetes' runAsNonRoot can verify it.
USER 1000:1000
EXPOSE 3000
HEALTHCHECK --interval=15s --timeout=5s --start-period=60s --retries=3 \
  CMD ["node", "-e", "fetch('http://127.0.0.1:' + (process.env.PORT || 3000) + '/healthz').then((r) => process.exit(r.ok ? 0 : 1), () => process.exit(1))"]
ENTRYPOINT ["/usr/bin/tini", "--", "node", "bin/firebreak.js"]
CMD ["start"]
