#!/usr/bin/env bash
# Prepares the one device call of the decoder/generation CUDA check (a session lent a GPU machine):
#   bash scripts/device/prepare.sh            # packs .device/ (../shared/device/pack.sh) and .gpu/shared (fixtures subset)
#   device run, carry [".device", ".gpu"]:    bash scripts/device/run.sh
# .gpu/ and .device/ are git-ignored (.git/info/exclude); together they stay under the 64 MiB carry limit.
set -euo pipefail
cd "$(dirname "$0")/../.."
grep -qxF '/.gpu/' .git/info/exclude || echo '/.gpu/' >> .git/info/exclude
rm -rf .gpu && mkdir -p .gpu/shared/fixtures/hf/models .gpu/shared/data/models
for m in llama_lm qwen2_lm gpt2_lm opt_lm gpt_neo_lm; do cp -r ../shared/fixtures/hf/models/$m .gpu/shared/fixtures/hf/models/; done
cp -r ../shared/fixtures/hf/generation .gpu/shared/fixtures/hf/
cp -r ../shared/data/models/stories260K .gpu/shared/data/models/
[ -s .device/node.xz ] || bash ../shared/device/pack.sh
du -sh .device .gpu
