// bench/distributed.ts — data-parallel training on this CPU, tunekit (DistributedDataParallel over
// c10d's Reducer, Gloo) vs PyTorch's DDP (bench/hf/ddp_train.py under torchrun), issue #14.  A BERT
// classifier (hidden 256, 4 layers, 4 heads, FFN 1024, seq 128, ~11 M parameters), AdamW, global batch
// 16: one process with 2 threads, or 2 processes x 8 rows x 1 thread (what `tunekit launch` and
// torchrun give each rank).  Reported: median step time, samples/s, the speed-up of 2 processes over
// 1, and the median time of one all-reduce of every gradient (a flat float32 tensor).  Each
// configuration runs in fresh processes, the sides interleaved, medians over rounds.  With 2 cores,
// 2 processes can at best match the 2-thread process; the all-reduce is the price.
// Same libtorch: TUNEKIT_NATIVE=$PWD/native/build-torch2/Release/tunekit_native.node HF_PYTHON=/tmp/venv-hf/bin/python
// Usage: node --import tsx bench/distributed.ts [--rounds 3] [--steps 10] [--warmup 3]
import { spawnSync } from 'node:child_process';
import { fileURLToPath } from 'node:url';
import { freePort, launch } from '../src/distributed/index.js';

const argv = process.argv.slice(2);
const opt = (name: string, dflt: string): string => { const i = argv.indexOf(`--${name}`); return i >= 0 ? argv[i + 1]! : dflt; };
const ROUNDS = Number(opt('rounds', '3')), STEPS = Number(opt('steps', '10')), WARMUP = Number(opt('warmup', '3'));
const py = process.env.HF_PYTHON ?? '/tmp/venv-hf/bin/python';
const self = fileURLToPath(import.meta.url);

interface Res { side: string; world_size: number; threads: number; params: number; step_ms: number; samples_per_s: number; allreduce_ms: number | null; torch: string }

/** One rank of the tunekit side (run by launch() or alone). */
async function rank(): Promise<void> {
  const torch = await import('../src/torch/index.js');
  const { BertConfig, BertForSequenceClassification } = await import('../src/models/index.js');
  const { AdamW } = await import('../src/optim/index.js');
  const dist = await import('../src/distributed/index.js');
  const threads = Number(process.env.BENCH_THREADS ?? 1);
  torch.setNumThreads(threads);
  const ws = Number(process.env.WORLD_SIZE ?? 1);
  if (ws > 1) dist.initProcessGroup();
  const r = dist.getRank();
  torch.manualSeed(0);
  const model = new BertForSequenceClassification(new BertConfig({ hidden_size: 256, num_hidden_layers: 4, num_attention_heads: 4, intermediate_size: 1024, num_labels: 2 }));
  model.train();
  const ddp = ws > 1 ? new dist.DistributedDataParallel(model) : null;
  const optim = new AdamW(model.parameters(), { lr: 5e-5, weightDecay: 0.01 });
  const B = 16 / ws, T = 128;
  const g = new torch.Generator().manualSeed(r);
  const batch = { input_ids: torch.randint(1, 30522, [B, T], { generator: g }).keep(), attention_mask: torch.ones([B, T], { dtype: 'int64' }).keep(), labels: torch.randint(0, 2, [B], { generator: g }).keep() };
  const times: number[] = [];
  for (let i = 0; i < WARMUP + STEPS; i++) {
    const t = performance.now();
    torch.tidy(() => {
      const out = ddp ? ddp.forward(() => model.forward(batch)) : model.forward(batch);
      out.loss!.backward();
      optim.step();
      optim.zeroGrad();
    });
    if (i >= WARMUP) times.push(performance.now() - t);
  }
  const n = model.parameters().reduce((a, p) => a + p.numel(), 0);
  const ar: number[] = [];
  if (ws > 1) {
    const flat = torch.zeros([n]).keep();
    for (let i = 0; i < 12; i++) {
      dist.barrier();
      const t = performance.now();
      dist.allReduce(flat);
      if (i >= 2) ar.push(performance.now() - t);
    }
  }
  const med = (xs: number[]): number => { const s = [...xs].sort((a, b) => a - b); return s[s.length >> 1]!; };
  const step = med(times);
  if (r === 0) console.log(JSON.stringify({ side: 'tunekit', torch: torch.version(), world_size: ws, threads, params: n, step_ms: step, samples_per_s: 16 / (step / 1000), allreduce_ms: ar.length ? med(ar) : null }));
  ddp?.dispose();
  dist.destroyProcessGroup();
}

function lastJson(out: string): Res { return JSON.parse(out.trim().split('\n').filter((l) => l.startsWith('{')).pop()!) as Res; }

async function runTunekit(ws: number): Promise<Res> {
  if (ws === 1) {
    const r = spawnSync(process.execPath, ['--import', 'tsx', self, '--rank', '--steps', String(STEPS), '--warmup', String(WARMUP)], { encoding: 'utf8', env: { ...process.env, BENCH_THREADS: '2', OMP_NUM_THREADS: '2' } });
    if (r.status !== 0) throw new Error(r.stderr);
    return lastJson(r.stdout);
  }
  // launch() inherits stdio: run it in a child so rank 0's line can be read
  const r = spawnSync(process.execPath, ['--import', 'tsx', self, '--launch', '--steps', String(STEPS), '--warmup', String(WARMUP)], { encoding: 'utf8' });
  if (r.status !== 0) throw new Error(r.stderr);
  return lastJson(r.stdout);
}
function runTorch(ws: number): Res {
  const script = fileURLToPath(new URL('./hf/ddp_train.py', import.meta.url));
  const args = ws === 1 ? [script, String(STEPS), String(WARMUP), '2'] : ['-m', 'torch.distributed.run', '--nproc-per-node', '2', '--master-port', String(29700 + Math.floor(Math.random() * 200)), script, String(STEPS), String(WARMUP), '1'];
  const r = spawnSync(py, args, { encoding: 'utf8', env: { ...process.env, OMP_NUM_THREADS: ws === 1 ? '2' : '1' } });
  if (r.status !== 0) throw new Error(r.stderr);
  return lastJson(r.stdout);
}

async function main(): Promise<void> {
  const rows: Record<string, Res[]> = {};
  for (let round = 0; round < ROUNDS; round++)
    for (const ws of [1, 2]) {
      (rows[`tunekit-${ws}`] ??= []).push(await runTunekit(ws));
      (rows[`torch-${ws}`] ??= []).push(runTorch(ws));
      process.stderr.write(`round ${round + 1}/${ROUNDS}, ${ws} process(es) done\n`);
    }
  const med = (xs: number[]): number => { const s = [...xs].sort((a, b) => a - b); return s[s.length >> 1]!; };
  const m = (k: string, f: (r: Res) => number): number => med(rows[k]!.map(f));
  const first = rows['tunekit-1']![0]!, tfirst = rows['torch-1']![0]!;
  console.log(`BERT classifier (~${(first.params / 1e6).toFixed(1)} M parameters, seq 128), AdamW, global batch 16; ${ROUNDS} rounds x ${STEPS} steps after ${WARMUP}; libtorch ${first.torch} / torch ${tfirst.torch}`);
  console.log('| | processes x threads | step ms | samples/s | 2 procs / 1 proc | all-reduce of all gradients, ms | tunekit / PyTorch (samples/s) |');
  console.log('|---|---|---:|---:|---:|---:|---:|');
  for (const ws of [1, 2]) for (const side of ['torch', 'tunekit']) {
    const k = `${side}-${ws}`;
    const sps = m(k, (r) => r.samples_per_s);
    const speedup = ws === 2 ? (sps / m(`${side}-1`, (r) => r.samples_per_s)).toFixed(2) + '×' : '';
    const ar = ws === 2 ? m(k, (r) => r.allreduce_ms!).toFixed(1) : '';
    const ratio = side === 'tunekit' ? (sps / m(`torch-${ws}`, (r) => r.samples_per_s)).toFixed(2) + '×' : '1.00×';
    console.log(`| ${side === 'torch' ? 'PyTorch DDP' : 'tunekit DDP'} | ${ws} x ${ws === 1 ? 2 : 1} | ${m(k, (r) => r.step_ms).toFixed(1)} | ${sps.toFixed(1)} | ${speedup} | ${ar} | ${ratio} |`);
  }
}

if (argv.includes('--rank')) await rank();
else if (argv.includes('--launch')) {
  const res = await launch({ nproc_per_node: 2, master_port: await freePort(), script: self, args: ['--rank', '--steps', String(STEPS), '--warmup', String(WARMUP)], log: () => {} });
  process.exit(res.ok ? 0 : 1);
} else await main();
