// bench/dispatch.ts — per-op dispatch cost: 100k small ops from TypeScript vs the same ops from
// Python torch on the same libtorch (bench/dispatch.py), side by side in one run.
// Usage: node --import tsx bench/dispatch.ts [N]   (Python: /usr/bin/python3 or $TORCH_PYTHON)
import { spawnSync } from 'node:child_process';
import * as torch from '../src/torch/index.js';

const N = Number(process.argv[2] ?? 100_000);
const REPEATS = 5;
const BATCH = 1000; // ops per tidy() scope, as a training step would hold them
torch.setNumThreads(1);
torch.manualSeed(0);
const a = torch.randn([8, 8]).keep(), b = torch.randn([8, 8]).keep(), v = torch.randn([8]).keep();
const ops: Record<string, () => unknown> = {
  'add(t,t)': () => torch.tidy(() => { for (let i = 0; i < BATCH; i++) a.add(b); }),
  'mul(t,2.5)': () => torch.tidy(() => { for (let i = 0; i < BATCH; i++) a.mul(2.5); }),
  relu: () => torch.tidy(() => { for (let i = 0; i < BATCH; i++) a.relu(); }),
  sum: () => torch.tidy(() => { for (let i = 0; i < BATCH; i++) a.sum(); }),
  'matmul 8x8': () => torch.tidy(() => { for (let i = 0; i < BATCH; i++) a.matmul(b); }),
  view: () => torch.tidy(() => { for (let i = 0; i < BATCH; i++) a.view(64); }),
  'softmax(-1)': () => torch.tidy(() => { for (let i = 0; i < BATCH; i++) a.softmax(-1); }),
  'add_ (in-place)': () => { for (let i = 0; i < BATCH; i++) v.add_(1.0); },
};

const ts: Record<string, number> = {};
for (const [name, fn] of Object.entries(ops)) {
  for (let i = 0; i < 2; i++) fn();
  const times: number[] = [];
  for (let r = 0; r < REPEATS; r++) {
    const t0 = process.hrtime.bigint();
    for (let i = 0; i < N / BATCH; i++) fn();
    times.push(Number(process.hrtime.bigint() - t0) / N);
  }
  ts[name] = times.sort((x, y) => x - y)[REPEATS >> 1]!;
}

const py = process.env.TORCH_PYTHON ?? '/usr/bin/python3';
const r = spawnSync(py, [new URL('./dispatch.py', import.meta.url).pathname, String(N)], { encoding: 'utf8' });
if (r.status !== 0) throw new Error(`python reference failed: ${r.stderr}`);
const ref = JSON.parse(r.stdout) as { torch: string; ns_per_op: Record<string, number> };

// The floor: the same ops from a C++ loop on the same libtorch (bench/cpp/op_floor.cc).
const fl = spawnSync('bash', [new URL('./cpp/run-floor.sh', import.meta.url).pathname, String(N)], { encoding: 'utf8' });
const floor = fl.status === 0 ? (JSON.parse(fl.stdout) as { ns_per_op: Record<string, number> }).ns_per_op : null;

console.log(`per-op dispatch, ${N} ops each, median of ${REPEATS}; libtorch ${torch.version()} (tunekit) / torch ${ref.torch} (python), 1 thread`);
console.log('| op | tunekit ns/op | PyTorch ns/op | ratio (target ≤ 0.7) | C++ floor ns/op | overhead above floor: tunekit / PyTorch |');
console.log('|---|---:|---:|---:|---:|---:|');
let sumT = 0, sumP = 0, sumF = 0;
for (const name of Object.keys(ops)) {
  const t = ts[name]!, p = ref.ns_per_op[name]!, f = floor?.[name];
  sumT += t; sumP += p; sumF += f ?? 0;
  const over = f === undefined ? 'n/a' : `${(t - f).toFixed(0)} / ${(p - f).toFixed(0)}`;
  console.log(`| ${name} | ${t.toFixed(0)} | ${p.toFixed(0)} | ${(t / p).toFixed(2)} | ${f?.toFixed(0) ?? 'n/a'} | ${over} |`);
}
const overAll = floor ? `${(sumT - sumF).toFixed(0)} / ${(sumP - sumF).toFixed(0)}` : 'n/a';
console.log(`| **all (sum)** | ${sumT.toFixed(0)} | ${sumP.toFixed(0)} | ${(sumT / sumP).toFixed(2)} | ${floor ? sumF.toFixed(0) : 'n/a'} | ${overAll} |`);
