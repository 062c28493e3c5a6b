# syntax=docker/dockerfile:1
# deskpulse images (docs/deployment.md "The image"). No Docker engine runs on the development
# machine: test/unit/dockerfile.test.ts checks this file's structure, and the sizes in
# docs/deployment.md are those of the node_modules each target installs (scripts/image-sizes.mjs).
#
#   docker build --target slim -t deskpulse:slim .   ingest, processor with CLICKHOUSE_URL, notify, simulate
#   docker build -t deskpulse .                      the same plus embedded ClickHouse (chdb, ~550 MB): `deskpulse start`
#
# Stages: deps (production dependencies from the lockfile), build (every dependency, TypeScript
# compiled to dist/), then the two runtime targets, which hold node_modules, dist/, bin/ and no
# TypeScript source, compiler or dev dependency, and run as the unprivileged `node` user.

ARG NODE_IMAGE=node:20.20-bookworm-slim

FROM ${NODE_IMAGE} AS deps
WORKDIR /app
COPY package.json package-lock.json ./
# Exactly the lockfile's versions. Not `npm ci`: chdb lists engine packages for other platforms
# (@chdb/lib-darwin-*, lib-linux-arm64-gnu) that the registry does not serve, so the lockfile
# cannot name them and `npm ci` refuses it as out of sync. `npm install` with the lockfile
# installs the same tree; the build fails if it had to change the lockfile (a version resolved
# afresh), which is the guarantee `npm ci` would give.
RUN cp package-lock.json /tmp/package-lock.json \
 && npm install --omit=dev --no-audit --no-fund --loglevel=error \
 && cmp package-lock.json /tmp/package-lock.json \
 && npm cache clean --force

FROM ${NODE_IMAGE} AS build
WORKDIR /app
COPY package.json package-lock.json ./
RUN cp package-lock.json /tmp/package-lock.json \
 && npm install --no-audit --no-fund --loglevel=error \
 && cmp package-lock.json /tmp/package-lock.json
COPY tsconfig.json tsconfig.build.json ./
COPY scripts/build.mjs scripts/build-sources.mjs ./scripts/
COPY runtime ./runtime
COPY cli ./cli
COPY bus ./bus
COPY store ./store
COPY ingest ./ingest
COPY processor ./processor
COPY schemas ./schemas
COPY alerting ./alerting
COPY grafana ./grafana
RUN npm run build

# Without the embedded ClickHouse: the ingest never opens ClickHouse, and the processor loads chdb
# only when CLICKHOUSE_URL is unset (store/clickhouse.ts imports it on demand).
FROM ${NODE_IMAGE} AS slim
ENV NODE_ENV=production DESKPULSE_DATA_DIR=/data
WORKDIR /app
COPY --from=deps /app/node_modules ./node_modules
RUN rm -rf node_modules/chdb node_modules/@chdb \
 && mkdir -p /data && chown node:node /data
COPY package.json ./
COPY scripts/build-sources.mjs ./scripts/
COPY bin ./bin
COPY --from=build /app/dist ./dist
# The committed rules and dashboards: `deskpulse rules|dashboards --check` compares with them.
COPY alerting/rules ./alerting/rules
COPY grafana/dashboards ./grafana/dashboards
COPY grafana/import ./grafana/import
USER node
VOLUME /data
EXPOSE 8080 8081 9464 9465
HEALTHCHECK --interval=10s --timeout=3s --start-period=30s --retries=3 CMD ["node", "bin/healthcheck.js", "/healthz"]
ENTRYPOINT ["node", "bin/deskpulse.js"]
CMD ["ingest"]

# The default target: everything, embedded ClickHouse included (`deskpulse start` on one machine).
FROM slim AS full
USER root
COPY --from=deps /app/node_modules/chdb ./node_modules/chdb
COPY --from=deps /app/node_modules/@chdb ./node_modules/@chdb
USER node
CMD ["start"]
