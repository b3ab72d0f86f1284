#!/usr/bin/env bash
# lab/smsc: the lab SMSC's npm packages (the SMPP server `smpp` and what it needs), exactly as
# the committed package-lock.json says, each checked against its integrity hash (`npm ci`).
# Quick when done: nothing happens while node_modules matches the lock.
set -euo pipefail
dir="$(cd "$(dirname "$0")/../../lab/smsc" && pwd)"
if ! command -v npm >/dev/null; then
  # Debian's nodejs comes without npm (a build of Node.js from elsewhere brings its own)
  if [ "$(id -u)" -ne 0 ]; then SUDO=sudo; else SUDO=; fi
  DEBIAN_FRONTEND=noninteractive $SUDO apt-get install -y -q --no-install-recommends npm
fi
stamp="$dir/node_modules/.package-lock.json"
if [ -f "$stamp" ] && [ "$stamp" -nt "$dir/package-lock.json" ] && [ -d "$dir/node_modules/smpp" ]; then
  exit 0
fi
echo "lab SMSC: npm ci in $dir"
(cd "$dir" && npm ci --no-audit --no-fund --silent)
