# Our own image: the vllm-monitor CLI, used by the compose stack to run the vLLM simulator.
# Build context rules live in .dockerignore: .env, build/ (rendered configs and secrets),
# node_modules and .git never reach the builder, so no layer can hold a secret.
#
# Build arguments (docker compose passes both from the environment or build/compose.env):
#   NODE_IMAGE      the Node.js 20 base of both stages; point it at a mirror where Docker Hub is
#                   out of reach, e.g. registry.example.com/library/node:20.20.2-bookworm-slim
#   BUILD_CA_CERTS  PEM certificates npm trusts on top of Node.js's own, for a registry reached
#                   through a TLS-intercepting proxy. Public certificates, not a secret; used by
#                   the build stage only, so the image we ship never holds them.
ARG NODE_IMAGE=node:20.20.2-bookworm-slim

FROM ${NODE_IMAGE} AS build
ARG BUILD_CA_CERTS=""
WORKDIR /app
COPY package.json package-lock.json ./
# --ignore-scripts: the `prepare` script compiles, but the sources are not copied yet.
RUN if [ -n "$BUILD_CA_CERTS" ]; then \
      printf '%s\n' "$BUILD_CA_CERTS" > /tmp/build-ca-certs.pem; \
      export NODE_EXTRA_CA_CERTS=/tmp/build-ca-certs.pem; \
    fi \
 && npm ci --ignore-scripts --no-audit --no-fund
COPY tsconfig.json tsconfig.build.json ./
COPY src ./src
RUN npx tsc -p tsconfig.build.json \
 && npm prune --omit=dev --ignore-scripts

FROM ${NODE_IMAGE} AS runtime
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
