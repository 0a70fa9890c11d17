#!/usr/bin/env bash
# Installs the Debian packages Shuangyu needs, once. Run by `make run` and `make test`.
#   runtime: Pango/HarfBuzz for WeasyPrint (libharfbuzz-subset0 keeps Chinese PDFs fast),
#            a CJK font, gettext for translations
#   tests:   Debian's Chromium for the browser tests, poppler-utils to read the PDFs they
#            check (pass "test")
#   benchmarks: wrk, the load generator the benchmarks drive the server with (pass "bench")
set -euo pipefail
packages=(libpango-1.0-0 libpangoft2-1.0-0 libharfbuzz-subset0 fonts-noto-cjk gettext)
if [ "${1:-}" = "test" ]; then
  packages+=(chromium poppler-utils)
elif [ "${1:-}" = "bench" ]; then
  packages+=(wrk)
fi
missing=()
for package in "${packages[@]}"; do
  dpkg-query -W -f='${Status}' "$package" 2>/dev/null | grep -q "install ok installed" \
    || missing+=("$package")
done
if [ ${#missing[@]} -eq 0 ]; then
  echo "system packages: all present (${packages[*]})"
  exit 0
fi
echo "system packages: installing ${missing[*]}"
if [ "$(id -u)" -eq 0 ]; then
  apt_get=(apt-get)
elif command -v sudo >/dev/null 2>&1; then
  apt_get=(sudo apt-get)
else
  echo "system packages: missing ${missing[*]} and not root; install them with apt-get" >&2
  exit 1
fi
export DEBIAN_FRONTEND=noninteractive
"${apt_get[@]}" update -qq
"${apt_get[@]}" install -y -qq --no-install-recommends "${missing[@]}" >/dev/null
echo "system packages: installed ${missing[*]}"
