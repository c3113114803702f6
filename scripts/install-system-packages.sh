#!/usr/bin/env bash
# Install the Debian packages the test suite drives for real, only those missing:
# PostgreSQL (server binaries), Chromium (browser tests), Noto CJK (Chinese glyphs), the fonts of
# the OCR font tests, Tesseract with Simplified Chinese (reads screenshots to find personal data),
# npm (fetches axe-core, the accessibility checker of the browser tests), Redis (job queue and
# rate limits of the production profile).
set -euo pipefail
export DEBIAN_FRONTEND=noninteractive

missing=()
compgen -G "/usr/lib/postgresql/*/bin/initdb" >/dev/null || missing+=(postgresql)
[ -x /usr/bin/chromium ] || missing+=(chromium)
[ -e /usr/share/fonts/opentype/noto/NotoSansCJK-Regular.ttc ] || missing+=(fonts-noto-cjk)
# fonts of the OCR font tests (tests/support/font_screenshots.py): DejaVu Sans and Mono,
# Liberation Sans (Arial's metrics), WenQuanYi Micro Hei (a second Chinese font)
[ -e /usr/share/fonts/truetype/dejavu/DejaVuSansMono.ttf ] || missing+=(fonts-dejavu-core)
[ -e /usr/share/fonts/truetype/liberation2/LiberationSans-Regular.ttf ] \
  || missing+=(fonts-liberation2)
[ -e /usr/share/fonts/truetype/wqy/wqy-microhei.ttc ] || missing+=(fonts-wqy-microhei)
command -v tesseract >/dev/null || missing+=(tesseract-ocr tesseract-ocr-eng)
compgen -G "/usr/share/tesseract-ocr/*/tessdata/chi_sim.traineddata" >/dev/null \
  || missing+=(tesseract-ocr-chi-sim)
command -v npm >/dev/null || missing+=(npm)
command -v redis-server >/dev/null || missing+=(redis-server)
# `make bench` also drives the served app with wrk
if [ "${1:-}" = "bench" ]; then
  command -v wrk >/dev/null || missing+=(wrk)
fi

if [ ${#missing[@]} -eq 0 ]; then
  exit 0
fi
if [ "$(id -u)" -eq 0 ]; then
  as_root=()
elif command -v sudo >/dev/null && sudo -n true 2>/dev/null; then
  as_root=(sudo -n)
else
  echo "Missing Debian packages: ${missing[*]}. Install them as root:" >&2
  echo "  apt-get install -y ${missing[*]}" >&2
  exit 1
fi
echo "Installing Debian packages: ${missing[*]}"
"${as_root[@]}" apt-get update -q
"${as_root[@]}" apt-get install -y -q --no-install-recommends "${missing[@]}"
