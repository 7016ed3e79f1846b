#!/usr/bin/env node
// Builds native/ with cmake-js against a libtorch found the way tch-rs finds it:
//   LIBTORCH=/path        a libtorch folder (or a torch python package folder)
//   LIBTORCH_USE_PYTORCH=1 the torch package of `python3` (PYTHON overrides the interpreter)
//   otherwise             the system's (Debian libtorch-dev), found by CMake's default search.
import { execFileSync, spawnSync } from 'node:child_process';
import { existsSync } from 'node:fs';
import { join, resolve, dirname } from 'node:path';
import { fileURLToPath } from 'node:url';

const root = resolve(dirname(fileURLToPath(import.meta.url)), '..');

function prefixFromLibtorch(dir) {
  // A libtorch zip has share/cmake/Torch; a python torch package has the same under it.
  for (const c of [join(dir, 'share', 'cmake'), dir]) if (existsSync(join(c, 'Torch', 'TorchConfig.cmake'))) return c;
  return dir;
}

let prefix;
if (process.env.LIBTORCH) {
  prefix = prefixFromLibtorch(process.env.LIBTORCH);
  console.log(`[tunekit] libtorch from LIBTORCH=${process.env.LIBTORCH}`);
} else if (process.env.LIBTORCH_USE_PYTORCH === '1') {
  const py = process.env.PYTHON ?? 'python3';
  prefix = execFileSync(py, ['-c', 'import torch.utils; print(torch.utils.cmake_prefix_path)'], { encoding: 'utf8' }).trim();
  console.log(`[tunekit] libtorch from ${py}'s torch: ${prefix}`);
} else {
  console.log('[tunekit] libtorch from the system (set LIBTORCH or LIBTORCH_USE_PYTORCH=1 to override)');
}

const args = ['cmake-js', 'compile', '--directory', 'native', '--out', 'native/build'];
if (prefix) args.push(`--CDCMAKE_PREFIX_PATH=${prefix}`);
if (process.env.TUNEKIT_DEBUG_BUILD) args.push('--debug');
const r = spawnSync('npx', args, { cwd: root, stdio: 'inherit', env: { ...process.env, CMAKE_BUILD_PARALLEL_LEVEL: process.env.CMAKE_BUILD_PARALLEL_LEVEL ?? '2' } });
process.exit(r.status ?? 1);
