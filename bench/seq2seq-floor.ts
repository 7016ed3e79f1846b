// bench/seq2seq-floor.ts — the matmul floor of one T5 decode step (bench/seq2seq.ts's model): the time of
// the weight matmuls alone, the head both as a plain linear and as src/models/t5/head.ts computes it (lm_head over the 32128-token vocabulary + the decoder's projections) for R
// decoder rows (batch x beams), which any binding runs with the same libtorch kernels. Compared with a
// measured decode step it bounds what a binding can gain: max ratio = step / floor.
//   TUNEKIT_NATIVE=... node --import tsx bench/seq2seq-floor.ts
import * as torch from '../src/torch/index.js';
import { Linear } from '../src/nn/index.js';
import { lmHeadLogits } from '../src/models/t5/head.js';
const threads = Number(process.env.BENCH_THREADS ?? 1);
torch.setNumThreads(threads);
const D = 256, FF = 1024, V = 32128, L = 4, N = 200;
const W = (o: number, i: number) => torch.randn([o, i]).keep();
const head = W(V, D);
const lm = new Linear(D, V, { bias: false });
torch.noGrad(() => lm.weight.copy_(head));
// per decoder layer: self q k v o, cross q o (cross k v are cached), wi, wo
const layer = Array.from({ length: L }, () => [W(D, D), W(D, D), W(D, D), W(D, D), W(D, D), W(D, D), W(FF, D), W(D, FF)]);
const median = (xs: number[]) => [...xs].sort((a, b) => a - b)[xs.length >> 1]!;
function time(fn: () => void): number {
  for (let i = 0; i < 5; i++) torch.tidy(fn);
  const ts: number[] = [];
  for (let i = 0; i < N; i++) { const t0 = performance.now(); torch.tidy(fn); ts.push(performance.now() - t0); }
  return median(ts);
}
console.log(`libtorch ${torch.version()}, ${threads} thread(s); median of ${N}`);
console.log('| rows (batch x beams) | lm_head as x Wᵀ (linear) ms | lm_head as (W xᵀ)ᵀ (head.ts) ms | decoder projections ms | floor ms/step (linear, head.ts) |');
console.log('|---:|---:|---:|---:|---:|');
for (const rows of [1, 4, 8, 32]) {
  const x = torch.randn([rows, 1, D]).keep(), xf = torch.randn([rows, 1, FF]).keep();
  const h = time(() => { torch.F.linear(x, head); });
  const t = torch.noGrad(() => time(() => { lmHeadLogits(lm, x); }));
  const p = time(() => { for (const ws of layer) ws.forEach((w, j) => torch.F.linear(j === 7 ? xf : x, w)); });
  console.log(`| ${rows} | ${h.toFixed(2)} | ${t.toFixed(2)} | ${p.toFixed(2)} | ${(h + p).toFixed(2)}, ${(t + p).toFixed(2)} |`);
}
