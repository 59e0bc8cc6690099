# One image for every dapr-ts role: `dapr-ts operator`, `dapr-ts injector` and
# the injected `dapr-ts sidecar` (the chart's default image; its containers
# run `command: ["dapr-ts", ...]`). Build: docker build -t dapr-ts:dev .

# --- build: compile the TypeScript, then drop the dev dependencies -----------
FROM node:20-slim AS build
WORKDIR /src
# better-sqlite3 is native: a prebuilt binary is normally fetched, the
# toolchain is the fallback when none matches the platform.
RUN apt-get update \
 && apt-get install -y --no-install-recommends python3 make g++ \
 && rm -rf /var/lib/apt/lists/*
COPY package.json package-lock.json ./
RUN npm ci --no-audit --no-fund
COPY tsconfig.json tsconfig.build.json Makefile ./
COPY cli ./cli
COPY sidecar ./sidecar
COPY operator ./operator
COPY injector ./injector
COPY crds ./crds
COPY tools ./tools
# Only the runtime's sources: tests, benchmarks and the demo stay out of the image.
# Then the CLI as shipped, bundled (Makefile: bundle) while esbuild, a dev dependency, is here.
RUN printf '{"extends":"./tsconfig.build.json","include":["cli","sidecar","operator","injector"],"exclude":["node_modules","dist","**/*.test.ts"]}' > tsconfig.image.json \
 && npx tsc -p tsconfig.image.json \
 && make bundle \
 && npm prune --omit=dev --no-audit --no-fund

# --- runtime ------------------------------------------------------------------
FROM node:20-slim
ENV NODE_ENV=production
# The sidecar's young-generation size and V8 thread pool, which are only read at start-up
# (cli/sidecar-heap.ts: SIDECAR_START_FLAGS); a pod's own NODE_OPTIONS replaces them.
ENV NODE_OPTIONS="--max-semi-space-size=4 --v8-pool-size=2"
WORKDIR /app
COPY --from=build /src/package.json ./package.json
COPY --from=build /src/node_modules ./node_modules
COPY --from=build /src/dist ./dist
# The CRD schemas are read at run time (resource validation).
COPY --from=build /src/crds ./crds
# `dapr-ts` on PATH, as package.json's "bin" declares it.
RUN ln -s /app/dist/bundle/main.js /usr/local/bin/dapr-ts
# The `node` user of the base image, numerically so runAsNonRoot can verify it.
USER 1000:1000
# Ports of the sidecar: HTTP API, gRPC API, internal gRPC, public (health), metrics.
EXPOSE 3500 50001 50002 3501 9090
ENTRYPOINT ["dapr-ts"]
CMD ["--help"]
