# Stand-in for prom/alertmanager:v0.28.1, built from Debian bookworm's `prometheus-alertmanager`
# (0.25). Runs as nobody with its data in /alertmanager like upstream; `wget` answers the healthcheck.
ARG BASE_IMAGE
FROM ${BASE_IMAGE}
RUN apt-get update \
 && apt-get install -y --no-install-recommends prometheus-alertmanager wget \
 && rm -rf /var/lib/apt/lists/* \
 && mkdir -p /alertmanager \
 && chown nobody:nogroup /alertmanager
USER nobody
WORKDIR /alertmanager
EXPOSE 9093
ENTRYPOINT ["/usr/bin/prometheus-alertmanager"]
CMD ["--config.file=/etc/alertmanager/alertmanager.yml", "--storage.path=/alertmanager"]
