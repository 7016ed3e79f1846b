# scripts/device/xz-shim.sh — sourced by the device calls (run.sh, run10.sh, run14.sh): the GPU
# machines have no `xz`, which .device/boot.sh needs to unpack Node; a python3 lzma stand-in.
if ! command -v xz >/dev/null 2>&1; then
  mkdir -p /tmp/xzshim
  printf '#!/usr/bin/env python3\nimport lzma, shutil, sys\nfiles=[a for a in sys.argv[1:] if not a.startswith("-")]\nsrc=open(files[0],"rb") if files else sys.stdin.buffer\nshutil.copyfileobj(lzma.open(src), sys.stdout.buffer, 1<<20)\n' > /tmp/xzshim/xz
  chmod +x /tmp/xzshim/xz; export PATH=/tmp/xzshim:$PATH
fi
