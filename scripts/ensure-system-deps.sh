#!/usr/bin/env bash
# Makes sure the system packages the tests need are present: Debian's Chromium (Playwright
# cannot download browsers here) and Debian's Python stack for training/ (no pip).
# Installs them when running as root with apt; otherwise prints the exact command and fails.
set -euo pipefail
packages=(chromium python3-torch python3-onnx python3-numpy python3-pytest python3-pil)
missing=()
for p in "${packages[@]}"; do
  dpkg-query -W -f='${Status}' "$p" 2>/dev/null | grep -q "install ok installed" || missing+=("$p")
done
[ ${#missing[@]} -eq 0 ] && exit 0
if [ "$(id -u)" = 0 ] && command -v apt-get >/dev/null; then
  echo "installing system packages: ${missing[*]}" >&2
  apt-get update -q >&2
  DEBIAN_FRONTEND=noninteractive apt-get install -y -q "${missing[@]}" >&2
else
  echo "Missing system packages: ${missing[*]}" >&2
  echo "Install them with:  sudo apt-get install -y ${missing[*]}" >&2
  exit 1
fi
