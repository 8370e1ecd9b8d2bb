# Stand-in for prom/prometheus:v3.5.0, built from Debian bookworm's `prometheus` package (2.42).
# Same shape as upstream: runs as nobody from /prometheus, the binary is the entrypoint, and
# `wget` answers the compose healthcheck (upstream's busybox has one).
ARG BASE_IMAGE
FROM ${BASE_IMAGE}
RUN apt-get update \
 && apt-get install -y --no-install-recommends prometheus wget \
 && rm -rf /var/lib/apt/lists/* \
 && mkdir -p /prometheus \
 && chown nobody:nogroup /prometheus
USER nobody
WORKDIR /prometheus
EXPOSE 9090
ENTRYPOINT ["/usr/bin/prometheus"]
CMD ["--config.file=/etc/prometheus/prometheus.yml", "--storage.tsdb.path=/prometheus"]
