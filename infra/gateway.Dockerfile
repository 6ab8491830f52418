# syntax=docker/dockerfile:1
# The gateway node. Build from the repository root:
#   docker build -f infra/gateway.Dockerfile -t chat-gateway .

# --- build: every dependency, compile the TypeScript workspaces -----------------------------
FROM node:24-slim AS build
WORKDIR /app
# Manifests first, so the dependency layer is cached until they change. npm ci needs the
# manifest of every workspace the root package.json names.
COPY package.json package-lock.json ./
COPY services/protocol/package.json services/protocol/
COPY services/client/package.json services/client/
COPY services/core/package.json services/core/
COPY services/gateway/package.json services/gateway/
COPY services/loadgen/package.json services/loadgen/
COPY services/testkit/package.json services/testkit/
RUN npm ci --no-audit --no-fund
COPY tsconfig.base.json tsconfig.json ./
# What `npm run build` compiles: the protocol, the client SDK (the page is built on it), core, gateway.
COPY services/protocol services/protocol
COPY services/client services/client
COPY services/core services/core
COPY services/gateway services/gateway
COPY scripts/build-client.mjs scripts/
RUN npm run build

# --- runtime: production dependencies and compiled output only ------------------------------
FROM node:24-slim AS runtime
ENV NODE_ENV=production \
    PORT=8080 \
    HOST=0.0.0.0
WORKDIR /app
COPY package.json package-lock.json ./
COPY services/protocol/package.json services/protocol/
COPY services/client/package.json services/client/
COPY services/core/package.json services/core/
COPY services/gateway/package.json services/gateway/
COPY services/loadgen/package.json services/loadgen/
COPY services/testkit/package.json services/testkit/
# bufferutil/utf-8-validate ship prebuilt binaries, so no install scripts (and no compiler) are needed.
RUN npm ci --omit=dev --ignore-scripts --no-audit --no-fund && npm cache clean --force
COPY --from=build /app/services/protocol/dist services/protocol/dist
COPY --from=build /app/services/core/dist services/core/dist
COPY services/core/lua services/core/lua
COPY --from=build /app/services/gateway/dist services/gateway/dist
COPY --from=build /app/services/gateway/public services/gateway/public

# Files stay root-owned and read-only to the process; it runs as the image's unprivileged user.
USER node
EXPOSE 8080
# node:24-slim has no curl: ask /readyz with Node's own fetch.
HEALTHCHECK --interval=5s --timeout=3s --start-period=10s --retries=3 \
  CMD ["node", "-e", "fetch('http://127.0.0.1:' + (process.env.PORT || 8080) + '/readyz').then((r) => process.exit(r.ok ? 0 : 1), () => process.exit(1))"]
# Node is PID 1 (no npm or shell wrapper), so SIGTERM starts the gateway's drain directly.
STOPSIGNAL SIGTERM
CMD ["node", "services/gateway/dist/main.js"]
