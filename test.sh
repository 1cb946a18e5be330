#!/usr/bin/env bash
# Runs every test of SocketIoChat. Installs what the tests need when it is missing:
# Chromium (Debian package) for the browser tests, redis-server (Debian package) for the Redis
# cluster tests, and the npm packages of the real clients and Node servers.
# Extra arguments go to `dotnet test` (e.g. --filter).
set -euo pipefail
cd "$(dirname "$0")"

# apt-get, retried while another apt/dpkg run holds its lock (e.g. a background install).
apt_retry() {
  local attempt
  for attempt in 1 2 3 4 5 6 7 8 9 10; do
    if DEBIAN_FRONTEND=noninteractive apt-get -qq -o DPkg::Lock::Timeout=60 "$@" >/dev/null; then
      return 0
    fi
    echo "apt-get $* failed (attempt $attempt), retrying in 10 s" >&2
    sleep 10
  done
  return 1
}

# Installs the Debian packages after the first two arguments unless the command $1 exists; needs
# root, otherwise prints the sudo line to run ($2 says what for) and stops.
apt_updated=
need_package() {
  local command="$1" what="$2"
  shift 2
  command -v "$command" >/dev/null 2>&1 && return 0
  if [ "$(id -u)" != 0 ]; then
    echo "$what: sudo apt-get install $*" >&2
    exit 1
  fi
  if [ -z "$apt_updated" ]; then
    apt_retry update
    apt_updated=1
  fi
  apt_retry install -y "$@"
}

need_package chromium "The browser tests need Chromium" chromium fonts-wqy-zenhei

# The Redis cluster tests start their own redis-server processes on free ports: the package's
# system service is not wanted. A policy-rc.d answering 101 keeps dpkg from starting it.
if ! command -v redis-server >/dev/null 2>&1 && [ "$(id -u)" = 0 ] && [ ! -e /usr/sbin/policy-rc.d ]; then
  printf '#!/bin/sh\nexit 101\n' > /usr/sbin/policy-rc.d
  chmod +x /usr/sbin/policy-rc.d
  trap 'rm -f /usr/sbin/policy-rc.d' EXIT
  need_package redis-server "The Redis cluster tests need redis-server" redis-server
  rm -f /usr/sbin/policy-rc.d
  trap - EXIT
fi
need_package redis-server "The Redis cluster tests need redis-server" redis-server

# npm ci again whenever the lock file changed since the last install.
for dir in web Client.Tests/node; do
  if [ ! -f "$dir/node_modules/.package-lock.json" ] || [ "$dir/package-lock.json" -nt "$dir/node_modules/.package-lock.json" ]; then
    (cd "$dir" && npm ci --no-audit --no-fund)
  fi
done

dotnet test SocketIoChat.sln "$@"
