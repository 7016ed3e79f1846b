#!/usr/bin/env bash
# Installs the system packages tunekit builds against, only if missing:
#   libtorch-dev (CPU libtorch 1.13 from Debian; skipped when LIBTORCH or
#   LIBTORCH_USE_PYTORCH=1 points at another libtorch), libopenblas-dev, cmake, a C++ compiler,
#   python3-torch (Debian's PyTorch, used only to regenerate/check test fixtures), and chromium
#   (the dashboard's browser test drives Debian's Chromium headless through playwright-core).
set -euo pipefail
need=()
have() { dpkg -s "$1" >/dev/null 2>&1; }
if [ -z "${LIBTORCH:-}" ] && [ "${LIBTORCH_USE_PYTORCH:-}" != "1" ]; then
  have libtorch-dev || need+=(libtorch-dev)
fi
have libopenblas-dev || need+=(libopenblas-dev)
# Gloo's headers: c10d's ProcessGroupGloo.hpp includes them, and neither Debian's libtorch-dev nor
# the torch wheels ship them (torch.distributed over Gloo, native/src/ops/dist.cc)
have libgloo-dev || need+=(libgloo-dev)
have python3-torch || need+=(python3-torch)
have chromium || need+=(chromium)
command -v cmake >/dev/null || need+=(cmake)
command -v g++ >/dev/null || need+=(g++)
if [ ${#need[@]} -gt 0 ]; then
  echo "[tunekit] installing system packages: ${need[*]}"
  SUDO=""
  [ "$(id -u)" -ne 0 ] && SUDO="sudo"
  $SUDO apt-get update -qq
  DEBIAN_FRONTEND=noninteractive $SUDO apt-get install -y -qq --no-install-recommends "${need[@]}" >/dev/null
fi
echo "[tunekit] system packages present"
