#!/usr/bin/env bash
# Debian packages the project needs at run and test time: a CJK font for charts/PDFs,
# headless Chromium for the dashboard browser test, poppler-utils for PDF text checks. Idempotent and quiet when present.
set -euo pipefail
as_root() { if [ "$(id -u)" -eq 0 ]; then "$@"; else sudo "$@"; fi; }
need=()
fc-list :lang=zh 2>/dev/null | grep -qi "noto" || need+=(fonts-noto-cjk fontconfig)
command -v chromium >/dev/null 2>&1 || need+=(chromium)
# pdftotext: the report tests read the Chinese text back out of the PDFs
command -v pdftotext >/dev/null 2>&1 || need+=(poppler-utils)
# wrk: the API throughput benchmark (bench/api_throughput.py) drives the server with it
command -v wrk >/dev/null 2>&1 || need+=(wrk)
if [ ${#need[@]} -gt 0 ]; then
    echo "installing Debian packages: ${need[*]}" >&2
    as_root apt-get update -qq
    DEBIAN_FRONTEND=noninteractive as_root apt-get install -y -qq --no-install-recommends "${need[@]}" >/dev/null
fi
