#!/usr/bin/env bash
# Installs the Debian packages binalert needs on this machine (idempotent, quick when done).
# Extra package lists can be added by other parts of the project in scripts/system-deps.d/*.list.
set -euo pipefail
here=$(cd "$(dirname "$0")" && pwd)
wanted=(espeak-ng sox libsndfile1 debootstrap)
for list in "$here"/system-deps.d/*.list; do
  [ -f "$list" ] || continue
  while read -r pkg; do [ -n "$pkg" ] && [ "${pkg:0:1}" != "#" ] && wanted+=("$pkg"); done < "$list"
done
missing=()
installed() { [[ "$(dpkg-query -W -f='${Status}' "$1" 2>/dev/null)" == *"install ok installed"* ]]; }
for pkg in "${wanted[@]}"; do
  installed "$pkg" || missing+=("$pkg")
done
if [ ${#missing[@]} -gt 0 ]; then
  echo "binalert: installing Debian packages: ${missing[*]}"
  if [ "$(id -u)" -ne 0 ]; then SUDO=sudo; else SUDO=; fi
  $SUDO apt-get update -q
  DEBIAN_FRONTEND=noninteractive $SUDO apt-get install -y -q --no-install-recommends "${missing[@]}"
fi
for hook in "$here"/system-deps.d/*.sh; do
  [ -f "$hook" ] && bash "$hook"
done
exit 0
