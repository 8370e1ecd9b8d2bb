# Our own image: the vllm-monitor CLI, used by the compose stack to run the vLLM simulator.
# Build context rules live in .dockerignore: .env, build/ (rendered configs and secrets),
# node_modules and .git never reach the builder, so no layer can hold a secret.
ARG NODE_VERSION=20.20.2

FROM node:${NODE_VERSION}-bookworm AS build
WORKDIR /app
COPY package.json package-lock.json ./
# --ignore-scripts: the `prepare` script compiles, but the sources are not copied yet.
RUN npm ci --ignore-scripts
COPY tsconfig.json tsconfig.build.json ./
COPY src ./src
RUN npx tsc -p tsconfig.build.json \
 && npm prune --omit=dev --ignore-scripts

FROM node:${NODE_VERSION}-bookworm-slim AS runtime
ENV NODE_ENV=production
WORKDIR /app
COPY --from=build /app/package.json ./package.json
COPY --from=build /app/node_modules ./node_modules
COPY --from=build /app/dist ./dist
COPY bin ./bin
COPY templates ./templates
# The base image's unprivileged user (uid 1000); nothing in /app is writable by it.
USER node
EXPOSE 8000 9400
ENTRYPOINT ["node", "bin/vllm-monitor.js"]
CMD ["simulate", "--host", "0.0.0.0", "--port", "8000", "--gpu-port", "9400", "--load", "steady"]
