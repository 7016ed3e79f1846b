// bench/fused-cross-entropy.ts — the causal-LM loss of a training step on a 32k vocabulary: libtorch's
// cross_entropy (PyTorch's log_softmax + nll_loss kernels, forward then backward) vs tunekit's
// fusedCrossEntropy (gradient made in the forward pass, block by block in cache), same process,
// same libtorch, alternating, median of 7.  logits (2048, 32000) float32 = batch 16 x 128 tokens.
// Usage: node --import tsx bench/fused-cross-entropy.ts [--rows 2048] [--vocab 32000] [--threads 2]
import * as torch from '../src/torch/index.js';

const argv = process.argv.slice(2);
const opt = (name: string, dflt: string): number => { const i = argv.indexOf(`--${name}`); return Number(i >= 0 ? argv[i + 1]! : dflt); };
const N = opt('rows', '2048'), V = opt('vocab', '32000');
torch.setNumThreads(opt('threads', '2'));
const x0 = torch.randn([N, V]).keep();
const t = torch.randint(0, V, [N]).keep();
const times: Record<string, [number[], number[]]> = { torch: [[], []], fused: [[], []] };
for (let r = 0; r < 8; r++) {
  for (const side of ['torch', 'fused'] as const) {
    const a = performance.now();
    let b = 0;
    torch.tidy(() => {
      const x = x0.detach().requiresGrad_(true);
      const sum = side === 'fused' ? torch.F.fusedCrossEntropySum(x, t) : torch.F.crossEntropy(x, t, { reduction: 'sum' });
      sum.item();
      b = performance.now();
      sum.div(N).backward();
    });
    if (r > 0) { times[side]![0].push(b - a); times[side]![1].push(performance.now() - b); } // round 0 warms up
  }
}
const med = (xs: number[]): number => [...xs].sort((p, q) => p - q)[xs.length >> 1]!;
console.log(`cross-entropy over (${N}, ${V}) float32 logits, sum / N, forward + backward; libtorch ${torch.version()}, ${torch.getNumThreads()} threads, median of 7`);
console.log('| loss | forward ms | backward ms | total ms |\n|---|---:|---:|---:|');
for (const [k, [f, b]] of Object.entries(times)) console.log(`| ${k === 'torch' ? 'libtorch cross_entropy' : 'tunekit fusedCrossEntropy'} | ${med(f).toFixed(0)} | ${med(b).toFixed(0)} | ${(med(f) + med(b)).toFixed(0)} |`);
console.log(`ratio (libtorch / fused): ${((med(times.torch![0]) + med(times.torch![1])) / (med(times.fused![0]) + med(times.fused![1]))).toFixed(2)}`);
