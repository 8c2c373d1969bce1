# syntax=docker/dockerfile:1
# Firebreak: a prebuilt bundle on Node.js 22 LTS, run as a non-root user, the database on a volume.
#   docker build -t firebreak .
#   docker run -d --env-file .env -v firebreak-data:/data -p 3000:3000 firebreak
# deploy/image-steps.sh runs the same commands without Docker (CI does, on every run).

ARG NODE_VERSION=22

# 1. Production dependencies only. better-sqlite3 and esbuild are native: their install scripts run
#    here (better-sqlite3 downloads a prebuilt binary, or compiles with the tools below).
FROM node:${NODE_VERSION}-bookworm-slim AS deps
WORKDIR /app
RUN apt-get update \
 && apt-get install -y --no-install-recommends python3 make g++ \
 && rm -rf /var/lib/apt/lists/*
COPY package.json package-lock.json ./
# --ignore-scripts keeps `prepare` (the build) out of this layer, which has no sources yet;
# the two native packages are then built explicitly.
RUN npm ci --omit=dev --ignore-scripts --no-audit --no-fund \
 && npm rebuild better-sqlite3 esbuild

# 2. The bundle: esbuild (a production dependency) compiles src/ into dist/src/*.mjs.
FROM deps AS build
COPY tsconfig.json ./
COPY src ./src
RUN npm run build

# 3. What runs: node, node_modules, the bundle, migrations and manifest.yml. No compiler, no sources,
#    nothing writable but /data.
FROM node:${NODE_VERSION}-bookworm-slim
ENV NODE_ENV=production \
    MALLOC_ARENA_MAX=2 \
    MALLOC_MMAP_THRESHOLD_=131072 \
    DATABASE_PATH=/data/firebreak.db \
    PORT=3000
WORKDIR /app
COPY --from=deps /app/node_modules ./node_modules
COPY --from=build /app/dist ./dist
COPY package.json manifest.yml ./
COPY migrations ./migrations
RUN mkdir -p /data && chown node:node /data
USER node
VOLUME ["/data"]
EXPOSE 3000
# /healthz is liveness (the process and its database are up); orchestrators that can tell liveness
# from readiness should also probe /readyz (see deploy/kubernetes.yaml).
HEALTHCHECK --interval=30s --timeout=5s --start-period=30s --retries=3 \
  CMD ["node", "-e", "fetch('http://127.0.0.1:'+(process.env.PORT||3000)+'/healthz').then(r=>process.exit(r.ok?0:1),()=>process.exit(1))"]
# Exec form: node is PID 1's child-free target of SIGTERM, so shutdown finishes in-flight work.
# The flags and environment are npm start's (package.json; the README's `startup` bench says why):
# --liftoff-only keeps fetch's HTTP parser (WebAssembly) from a re-optimisation that took ~35 MB of
# compiler memory the C heap then often kept; --expose-gc lets the index load collect its garbage once.
CMD ["node", "--max-semi-space-size=1", "--liftoff-only", "--expose-gc", "dist/src/main.mjs"]
