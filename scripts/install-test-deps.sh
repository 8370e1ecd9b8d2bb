#!/usr/bin/env bash
# The tests run against real Prometheus, promtool, node_exporter, Alertmanager, VictoriaMetrics (and
# its vmalert), a compose parser, Chromium and tmux (the viewer's browser test, `top` under tmux) and
# aiosmtpd (the alert tests' SMTP sink) from Debian. Installs the missing ones when we are root with apt-get (CI, fresh dev machines);
# otherwise prints the command to run and exits 2.
set -euo pipefail

packages=(prometheus prometheus-node-exporter prometheus-alertmanager victoria-metrics docker-compose chromium tmux python3-aiosmtpd)
missing=()
for tool in prometheus promtool prometheus-node-exporter prometheus-alertmanager victoria-metrics vmalert docker-compose chromium tmux; do
  command -v "$tool" >/dev/null 2>&1 || missing+=("$tool")
done
# The SMTP sink of the alert delivery tests: Debian's aiosmtpd, for Debian's python3.
/usr/bin/python3 -c "import aiosmtpd" >/dev/null 2>&1 || missing+=("python3-aiosmtpd")
[ ${#missing[@]} -eq 0 ] && exit 0

if [ "$(id -u)" -eq 0 ] && command -v apt-get >/dev/null 2>&1; then
  echo "installing Debian packages for the tests (missing: ${missing[*]})"
  export DEBIAN_FRONTEND=noninteractive
  apt-get update -qq
  # Debian would start these as services where it can, but the tests start their own on free ports:
  # a policy-rc.d that exits 101 tells invoke-rc.d and deb-systemd-invoke not to start anything
  # during the install, so no process ever has to be found and stopped afterwards (an existing
  # policy is kept and put back).
  policy=/usr/sbin/policy-rc.d
  saved=""
  if [ -e "$policy" ]; then saved="$(mktemp)"; cp -p "$policy" "$saved"; fi
  restore_policy() { if [ -n "$saved" ]; then mv -f "$saved" "$policy"; else rm -f "$policy"; fi; }
  trap restore_policy EXIT
  printf '#!/bin/sh\n# written by vllm-monitor scripts/install-test-deps.sh for the length of one apt-get install\nexit 101\n' >"$policy"
  chmod 755 "$policy"
  apt-get install -y -qq --no-install-recommends "${packages[@]}" >/dev/null
  exit 0
fi

echo "the tests need: ${missing[*]}" >&2
echo "install them with: sudo apt-get install --no-install-recommends ${packages[*]}" >&2
exit 2
