#!/usr/bin/env node
// Builds native/ with cmake-js against a libtorch found the way tch-rs finds it:
//   LIBTORCH=/path        a libtorch folder (or a torch python package folder)
//   LIBTORCH_USE_PYTORCH=1 the torch package of `python3` (PYTHON overrides the interpreter)
//   otherwise             the system's (Debian libtorch-dev), found by CMake's default search.
// TUNEKIT_BUILD_DIR (default native/build) puts the build elsewhere, so that two libtorch
// versions can sit side by side (CI builds native/build-torch2 against torch 2.x); load such a
// build with TUNEKIT_NATIVE=<dir>/Release/tunekit_native.node.
//
// Headers and libraries must come from the same libtorch: the prefix handed to CMake is the
// libtorch ROOT (the folder holding include/, lib/ and share/cmake/), not share/cmake. With
// share/cmake as the prefix, TorchConfig's find_library(torch PATHS <root>/lib) searches the
// system folders before PATHS and links Debian's /usr/lib/.../libtorch.so under 2.x headers.
// After the build, the addon is loaded in a child process and the libtorch.so it mapped is
// checked against the chosen root.
import { execFileSync, spawnSync } from 'node:child_process';
import { existsSync, realpathSync } from 'node:fs';
import { join, resolve, dirname } from 'node:path';
import { fileURLToPath } from 'node:url';

const root = resolve(dirname(fileURLToPath(import.meta.url)), '..');

/** The libtorch root of a libtorch zip folder or a torch python package (both hold share/cmake/Torch). */
function libtorchRoot(dir) {
  const abs = resolve(dir);
  if (existsSync(join(abs, 'share', 'cmake', 'Torch', 'TorchConfig.cmake'))) return abs;
  // A cmake prefix path as torch.utils.cmake_prefix_path gives it: <root>/share/cmake.
  if (existsSync(join(abs, 'Torch', 'TorchConfig.cmake'))) return resolve(abs, '..', '..');
  throw new Error(`LIBTORCH=${dir}: no share/cmake/Torch/TorchConfig.cmake under it (expected a libtorch folder or a torch python package)`);
}

let torchRoot;
if (process.env.LIBTORCH) {
  torchRoot = libtorchRoot(process.env.LIBTORCH);
  console.log(`[tunekit] libtorch from LIBTORCH=${process.env.LIBTORCH} (root ${torchRoot})`);
} else if (process.env.LIBTORCH_USE_PYTORCH === '1') {
  const py = process.env.PYTHON ?? 'python3';
  const prefix = execFileSync(py, ['-c', 'import torch.utils; print(torch.utils.cmake_prefix_path)'], { encoding: 'utf8' }).trim();
  torchRoot = libtorchRoot(prefix);
  console.log(`[tunekit] libtorch from ${py}'s torch: ${torchRoot}`);
} else {
  console.log('[tunekit] libtorch from the system (set LIBTORCH or LIBTORCH_USE_PYTORCH=1 to override)');
}

const outDir = process.env.TUNEKIT_BUILD_DIR ?? join('native', 'build');
const args = ['cmake-js', 'compile', '--directory', 'native', '--out', resolve(root, outDir)];
if (torchRoot) {
  args.push(`--CDCMAKE_PREFIX_PATH=${torchRoot}`);
  args.push(`--CDTorch_DIR=${join(torchRoot, 'share', 'cmake', 'Torch')}`);
}
if (process.env.TUNEKIT_DEBUG_BUILD) args.push('--debug');
const r = spawnSync('npx', args, { cwd: root, stdio: 'inherit', env: { ...process.env, CMAKE_BUILD_PARALLEL_LEVEL: process.env.CMAKE_BUILD_PARALLEL_LEVEL ?? '2' } });
if (r.status !== 0) process.exit(r.status ?? 1);

// Which libtorch did the addon really load?  Read the child's own memory map.
const built = join(resolve(root, outDir), process.env.TUNEKIT_DEBUG_BUILD ? 'Debug' : 'Release', 'tunekit_native.node');
const probe = spawnSync(process.execPath, ['-e', `
  const a = require(${JSON.stringify(built)});
  const maps = require('fs').readFileSync('/proc/self/maps', 'utf8').split('\\n');
  const lib = maps.map((l) => l.split(/\\s+/)[5]).find((p) => p && /\\/libtorch_cpu\\.so/.test(p));
  console.log(JSON.stringify({ version: a.torchVersion(), lib }));
`], { encoding: 'utf8' });
if (probe.status !== 0) {
  console.error(`[tunekit] the built addon does not load: ${probe.stderr}`);
  process.exit(1);
}
const { version, lib } = JSON.parse(probe.stdout.trim());
console.log(`[tunekit] built ${built}: libtorch ${version}, loaded from ${lib}`);
if (torchRoot && lib && !realpathSync(lib).startsWith(realpathSync(torchRoot) + '/')) {
  console.error(`[tunekit] the addon was compiled with ${torchRoot}'s headers but loads ${lib}: headers and libraries must come from the same libtorch`);
  process.exit(1);
}
