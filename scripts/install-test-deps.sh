#!/usr/bin/env bash
# The tests run against real Prometheus, promtool, node_exporter, Alertmanager, VictoriaMetrics (and
# its vmalert), a compose parser, and Chromium and tmux (the viewer's browser test, `top` under tmux) from Debian. Installs the missing ones when we are root with apt-get (CI, fresh dev machines);
# otherwise prints the command to run and exits 2.
set -euo pipefail

packages=(prometheus prometheus-node-exporter prometheus-alertmanager victoria-metrics docker-compose chromium tmux)
missing=()
for tool in prometheus promtool prometheus-node-exporter prometheus-alertmanager victoria-metrics vmalert docker-compose chromium tmux; do
  command -v "$tool" >/dev/null 2>&1 || missing+=("$tool")
done
[ ${#missing[@]} -eq 0 ] && exit 0

if [ "$(id -u)" -eq 0 ] && command -v apt-get >/dev/null 2>&1; then
  echo "installing Debian packages for the tests (missing: ${missing[*]})"
  export DEBIAN_FRONTEND=noninteractive
  apt-get update -qq
  apt-get install -y -qq --no-install-recommends "${packages[@]}" >/dev/null
  # Debian starts these as services where it can; the tests start their own on free ports.
  for service in prometheus prometheus-node-exporter prometheus-alertmanager victoria-metrics; do
    pkill -x "$service" 2>/dev/null || true
  done
  exit 0
fi

echo "the tests need: ${missing[*]}" >&2
echo "install them with: sudo apt-get install --no-install-recommends ${packages[*]}" >&2
exit 2
