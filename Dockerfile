# presto-ha-gateway container image.
#
#   docker build -t presto-ha-gateway .
#   docker run --init -v $PWD/conf:/etc/phg:ro -p 8080:8080 presto-ha-gateway      # conf/gateway.yaml
#   docker run --rm -v $PWD/conf:/etc/phg:ro presto-ha-gateway check-config /etc/phg/gateway.yaml
#
# The config is a mounted file (GATEWAY_CONFIG, default /etc/phg/gateway.yaml); mount its directory
# so that an edited file is seen and reloaded. Secrets come in as environment variables that the
# file names with ${VAR}. See deploy/README.md.

# Node.js 24, an LTS line (package.json engines: >= 20.18). Pin a digest for byte-identical
# rebuilds: --build-arg NODE_IMAGE=node:24-bookworm-slim@sha256:...
ARG NODE_IMAGE=node:24-bookworm-slim

# --- build: dev dependencies + TypeScript -> dist/ --------------------------------------------
FROM ${NODE_IMAGE} AS build
WORKDIR /src
COPY package.json package-lock.json ./
RUN npm ci --no-audit --no-fund
COPY tsconfig.json ./
COPY src ./src
RUN npm run build

# --- runtime: production dependencies and dist/src only ---------------------------------------
FROM ${NODE_IMAGE} AS runtime
ENV NODE_ENV=production \
    GATEWAY_CONFIG=/etc/phg/gateway.yaml \
    PHG_HEALTH_URL=http://127.0.0.1:8080/livez
WORKDIR /app
COPY package.json package-lock.json ./
RUN npm ci --omit=dev --no-audit --no-fund && npm cache clean --force
COPY --from=build /src/dist/src ./dist/src
COPY deploy/docker/healthcheck.mjs ./healthcheck.mjs
# The image's unprivileged "node" user (uid 1000); the app and its files stay root-owned, read-only to it.
USER node
EXPOSE 8080
# Liveness of the process (/livez), checked with node itself: slim images have no curl.
# With server.port other than 8080 or server.tls, set PHG_HEALTH_URL (https is accepted, self-signed too).
HEALTHCHECK --interval=10s --timeout=5s --start-period=20s --retries=3 \
  CMD ["node", "/app/healthcheck.mjs"]
# `docker run IMAGE` runs the gateway with $GATEWAY_CONFIG; `docker run IMAGE check-config FILE`,
# `... demo`, `... --help` run those commands.
ENTRYPOINT ["node", "/app/dist/src/server.js"]
CMD []
