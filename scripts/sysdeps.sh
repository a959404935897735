#!/usr/bin/env bash
# Installs the Debian packages that anqi needs and pip cannot provide.
#   scripts/sysdeps.sh run    PDF rendering: Pango, HarfBuzz subsetting, CJK fonts
#   scripts/sysdeps.sh test   the above plus Chromium for the browser tests and the
#                             PostgreSQL client (pg_dump, pg_restore) for the backup tests
# As root it installs what is missing with apt-get; otherwise it prints the
# exact command and fails, so nothing half-works later.
set -euo pipefail
# The documents' fonts (core/documents/fonts.py): Noto CJK's serif and sans, its Black serif
# (fonts-noto-cjk-extra, large, the stand-in for 小标宋) and LXGW WenKai (the stand-in for 楷体).
packages=(libpango-1.0-0 libpangoft2-1.0-0 libharfbuzz-subset0 fontconfig fonts-noto-cjk fonts-noto-cjk-extra
          fonts-lxgw-wenkai)
if [ "${1:-run}" = "test" ]; then
  packages+=(chromium)
  # Any working client counts (e.g. postgresql-client-15 installed on its own).
  if ! { pg_dump --version && pg_restore --version; } >/dev/null 2>&1; then
    packages+=(postgresql-client)
  fi
fi
missing=()
for p in "${packages[@]}"; do
  if ! dpkg-query -W -f='${Status}' "$p" 2>/dev/null | grep -q "install ok installed"; then
    missing+=("$p")
  fi
done
[ ${#missing[@]} -eq 0 ] && exit 0
if [ "$(id -u)" -ne 0 ]; then
  echo "anqi needs these system packages: ${missing[*]}" >&2
  echo "Install them as root, then run make again:" >&2
  echo "  sudo apt-get update && sudo apt-get install -y ${missing[*]}" >&2
  exit 1
fi
echo "Installing system packages: ${missing[*]}"
export DEBIAN_FRONTEND=noninteractive
apt-get update -qq
apt-get install -y -qq --no-install-recommends "${missing[@]}"
