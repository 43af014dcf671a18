# Churn Radar: one image, two roles. `docker run <image> serve` runs the HTTP server (the default),
# `docker run <image> work` a BullMQ worker; run as many workers as you like against one Redis.
# compose.yaml runs both with PostgreSQL and Redis.

# The dashboard is built here, with the dev dependencies (Vite), and only its output is kept.
FROM node:22-bookworm-slim AS build
WORKDIR /app
COPY package.json package-lock.json ./
# --ignore-scripts: the optional @tensorflow/tfjs-node would download libtensorflow while installing;
# the image uses TensorFlow.js on WASM instead, which ships inside its npm package.
RUN npm ci --ignore-scripts --no-audit --no-fund
COPY . .
RUN npm run build:web

FROM node:22-bookworm-slim AS runtime
ENV NODE_ENV=production \
    HOST=0.0.0.0 \
    PORT=3000
WORKDIR /app
COPY package.json package-lock.json ./
RUN npm ci --omit=dev --ignore-scripts --no-audit --no-fund \
    && rm -rf node_modules/@tensorflow/tfjs-node \
    && npm cache clean --force
# `bin/churn.js` runs the TypeScript sources, compiled to JavaScript by esbuild (tsx's, a production
# dependency): these are the folders its commands import, the app manifest the server reads, and
# the built dashboard.
COPY tsconfig.json ./
COPY bin ./bin
COPY cli ./cli
COPY server ./server
COPY sandbox ./sandbox
COPY app ./app
COPY --from=build /app/web/dist ./web/dist
# Compiled once here, into node_modules/.cache/churn-radar, so that every container starts from it.
RUN node bin/churn.js --help > /dev/null
USER node
EXPOSE 3000
# The server's /healthz answers 200 when PostgreSQL and Redis both answer. A worker serves no HTTP:
# its container turns this check off (compose.yaml does).
HEALTHCHECK --interval=30s --timeout=5s --start-period=60s --retries=3 \
    CMD ["node", "-e", "fetch('http://127.0.0.1:' + (process.env.PORT || 3000) + '/healthz', { signal: AbortSignal.timeout(4000) }).then((res) => process.exit(res.ok ? 0 : 1), () => process.exit(1))"]
ENTRYPOINT ["node", "bin/churn.js"]
CMD ["serve"]
