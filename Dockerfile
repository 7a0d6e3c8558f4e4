# One image per Velvet process, from one build. docker compose builds the targets api, worker, edge.
# NODE_IMAGE: the base, Docker Hub's by default; a build without Docker Hub names a local stand-in
# (podman build --build-arg NODE_IMAGE=localhost/node:24-bookworm-slim, docs/operations.md).
ARG NODE_IMAGE=node:24-bookworm-slim

FROM ${NODE_IMAGE} AS build
WORKDIR /app
COPY package.json package-lock.json ./
# No optional packages: the pinned Node that `npm ci` adds for machines with an older system node
# (node-linux-*, 126 MB) is never downloaded; the image's own Node 24 runs Velvet. msgpackr-extract,
# a native speed-up BullMQ's msgpackr does without, is skipped with it.
RUN npm ci --omit=optional --no-audit --no-fund
COPY . .
RUN npm run build && npm prune --omit=dev --omit=optional

FROM ${NODE_IMAGE} AS runtime
ENV NODE_ENV=production
# tini as PID 1: SIGTERM reaches node (a worker's graceful hand-back), and exited children are reaped.
RUN apt-get update && apt-get install -y --no-install-recommends tini && rm -rf /var/lib/apt/lists/*
WORKDIR /app
COPY --from=build /app/package.json ./
COPY --from=build /app/node_modules ./node_modules
COPY --from=build /app/dist ./dist
USER node
ENTRYPOINT ["/usr/bin/tini", "--"]

FROM runtime AS api
EXPOSE 3000
# The images have no curl: node asks /healthz itself.
HEALTHCHECK --interval=15s --timeout=5s --start-period=30s --retries=3 \
  CMD ["node", "-e", "fetch('http://127.0.0.1:'+(process.env.PORT||3000)+'/healthz').then(r=>process.exit(r.ok?0:1),()=>process.exit(1))"]
CMD ["node", "dist/src/main.js"]

FROM runtime AS edge
EXPOSE 3001
# The edge has no health route (every path is a signed request): any answer means it serves.
HEALTHCHECK --interval=15s --timeout=5s --start-period=30s --retries=3 \
  CMD ["node", "-e", "fetch('http://127.0.0.1:'+(process.env.EDGE_PORT||3001)+'/').then(()=>process.exit(0),()=>process.exit(1))"]
CMD ["node", "dist/src/edge/main.js"]

# The worker runs ffmpeg: Debian's build (libx264, libx265, aac); bubblewrap sandboxes it where the
# platform allows user namespaces (FFMPEG_SANDBOX=auto falls back, with a warning, where not).
# Its scratch space is a volume, not the container's writable layer; its health is its /metrics.
FROM runtime AS worker
USER root
RUN apt-get update && apt-get install -y --no-install-recommends ffmpeg bubblewrap && rm -rf /var/lib/apt/lists/* \
  && mkdir -p /scratch && chown node:node /scratch
USER node
ENV TRANSCODE_TMP_DIR=/scratch METRICS_PORT=9464
VOLUME /scratch
HEALTHCHECK --interval=15s --timeout=5s --start-period=60s --retries=3 \
  CMD ["node", "-e", "fetch('http://127.0.0.1:'+process.env.METRICS_PORT+'/metrics').then(r=>process.exit(r.ok?0:1),()=>process.exit(1))"]
# The flags are start:worker's (package.json): docs/operations.md, "The worker's memory".
CMD ["node", "--max-semi-space-size=2", "--expose-gc", "dist/worker/main.js"]
