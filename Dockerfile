# One image per Velvet process, from one build. docker compose builds the targets api, worker, edge.
FROM node:24-bookworm-slim AS build
WORKDIR /app
COPY package.json package-lock.json ./
RUN npm ci --no-audit --no-fund
COPY . .
# The image's own Node 24 runs Velvet: the pinned Node that `npm ci` adds for machines with an
# older system node (an optional dependency, so prune keeps it) is dropped from the image.
RUN npm run build && npm prune --omit=dev && rm -rf node_modules/node-linux-* node_modules/.bin/node

FROM node:24-bookworm-slim AS runtime
ENV NODE_ENV=production
WORKDIR /app
COPY --from=build /app/package.json ./
COPY --from=build /app/node_modules ./node_modules
COPY --from=build /app/dist ./dist
USER node

FROM runtime AS api
EXPOSE 3000
CMD ["node", "dist/src/main.js"]

FROM runtime AS edge
EXPOSE 3001
CMD ["node", "dist/src/edge/main.js"]

# The worker runs ffmpeg: Debian's build (libx264, libx265, aac); bubblewrap sandboxes it where the
# platform allows user namespaces (FFMPEG_SANDBOX=auto falls back, with a warning, where not).
FROM runtime AS worker
USER root
RUN apt-get update && apt-get install -y --no-install-recommends ffmpeg bubblewrap && rm -rf /var/lib/apt/lists/*
USER node
CMD ["node", "dist/worker/main.js"]
