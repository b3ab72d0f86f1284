#!/usr/bin/env bash
# Prints the Debian archive this machine's apt already uses (the first enabled deb source whose
# URI ends in /debian), so nothing the project installs names a package host of its own.
set -uo pipefail
list=$(mktemp)
trap 'rm -f "$list"' EXIT
one_line='$1 == "deb" { for (i = 2; i <= NF; i++) if ($i !~ /^\[/) { print $i; break } }'
for f in /etc/apt/sources.list /etc/apt/sources.list.d/*.list; do
  if [ -f "$f" ]; then awk "$one_line" "$f"; fi
done > "$list"
for f in /etc/apt/sources.list.d/*.sources; do
  if [ -f "$f" ]; then awk '/^URIs:/ { sub(/^URIs:[ \t]*/, ""); n = split($0, u, " "); for (i = 1; i <= n; i++) print u[i] }' "$f"; fi
done >> "$list"
awk '{ sub(/\/+$/, "") } /\/debian$/ { print; exit }' "$list"
