# Stand-in for prom/node-exporter:v1.9.1, built from Debian bookworm's `prometheus-node-exporter`
# (1.5). Debian's build turns the systemd collector on; upstream's leaves it off, and a container
# has no system bus, so the entrypoint turns it off again. `wget` answers the healthcheck.
ARG BASE_IMAGE
FROM ${BASE_IMAGE}
RUN apt-get update \
 && apt-get install -y --no-install-recommends prometheus-node-exporter wget \
 && rm -rf /var/lib/apt/lists/*
USER nobody
EXPOSE 9100
ENTRYPOINT ["/usr/bin/prometheus-node-exporter", "--no-collector.systemd"]
