#!/usr/bin/env bash
# tts/: MBROLA voices for espeak-ng (Debian contrib/non-free; free for non-commercial use only)
# and SVOX Pico (non-free: its language files come without source). Adds a dedicated apt source
# (the system's own sources are not edited), quick when done.
# The defaults (tts/voices.py) and the other voices make bench compares (docs/tts.md).
set -euo pipefail
voices=(mbrola mbrola-nl2 mbrola-fr5 mbrola-de6 mbrola-en1 mbrola-fr1 libttspico-utils
  mbrola-nl3 mbrola-fr7 mbrola-de2)
missing=()
# (no `cmd | grep -q` under pipefail: grep -q exits at the first match, the writer gets
# SIGPIPE and the whole pipeline counts as failed, at random)
installed() { [[ "$(dpkg-query -W -f='${Status}' "$1" 2>/dev/null)" == *"install ok installed"* ]]; }
for pkg in "${voices[@]}"; do
  installed "$pkg" || missing+=("$pkg")
done
[ ${#missing[@]} -eq 0 ] && exit 0
if [ "$(id -u)" -ne 0 ]; then SUDO=sudo; else SUDO=; fi
src=/etc/apt/sources.list.d/binalert-nonfree.sources
codename=$(. /etc/os-release && echo "${VERSION_CODENAME:-bookworm}")
if [ ! -f "$src" ]; then
  mirror=$(bash "$(dirname "$0")/../debian-mirror.sh")
  [ -n "$mirror" ] || { echo "tts: no Debian archive in the apt sources" >&2; exit 1; }
  echo "tts: adding $src (contrib non-free) for the MBROLA voices"
  printf '%s\n' "Types: deb" "URIs: $mirror" "Suites: $codename" \
    "Components: contrib non-free" \
    "Signed-By: /usr/share/keyrings/debian-archive-keyring.gpg" | $SUDO tee "$src" >/dev/null
fi
$SUDO apt-get update -q
available=()
for pkg in "${missing[@]}"; do
  if [[ "$(apt-cache policy "$pkg" 2>/dev/null)" == *"Candidate: "[0-9]* ]]; then
    available+=("$pkg")
  else
    echo "tts: WARNING: $pkg is not available from apt; that language uses plain espeak-ng" >&2
  fi
done
if [ ${#available[@]} -gt 0 ]; then
  echo "tts: installing ${available[*]}"
  DEBIAN_FRONTEND=noninteractive $SUDO apt-get install -y -q --no-install-recommends "${available[@]}"
fi
exit 0
