# Stand-in for node:20.20.2-bookworm-slim: Debian bookworm with this machine's own Node.js 20 and
# npm copied in (bookworm packages Node 18 only), and the `node` user (uid 1000) upstream has.
# The build context holds node/ (bin/node, lib/node_modules/npm) prepared by
# scripts/docker-images.sh.
ARG BASE_IMAGE
FROM ${BASE_IMAGE}
COPY node/ /usr/local/
RUN ln -s ../lib/node_modules/npm/bin/npm-cli.js /usr/local/bin/npm \
 && ln -s ../lib/node_modules/npm/bin/npx-cli.js /usr/local/bin/npx \
 && groupadd --gid 1000 node \
 && useradd --uid 1000 --gid node --shell /bin/bash --create-home node \
 && node --version && npm --version
CMD ["node"]
