// bench/train.ts — training throughput: a 4-layer MLP and a pre-LN transformer block, the
// tunekit loop vs the same PyTorch loop (bench/train.py) on the same libtorch, in one run.
// Usage: node --import tsx bench/train.ts [steps]
import { spawnSync } from 'node:child_process';
import * as torch from '../src/torch/index.js';
import * as nn from '../src/nn/index.js';
import { AdamW, clipGradNorm } from '../src/optim/index.js';

const { tidy, F } = torch;
const STEPS = Number(process.argv[2] ?? 200);
torch.manualSeed(0);

class MLP extends nn.Module {
  l0 = new nn.Linear(128, 256); l1 = new nn.Linear(256, 256); l2 = new nn.Linear(256, 256); l3 = new nn.Linear(256, 10);
  forward(x: torch.Tensor): torch.Tensor {
    return this.l3.forward(F.gelu(this.l2.forward(F.gelu(this.l1.forward(F.gelu(this.l0.forward(x)))))));
  }
}

class Block extends nn.Module {
  ln1 = new nn.LayerNorm([256]); q = new nn.Linear(256, 256); k = new nn.Linear(256, 256);
  v = new nn.Linear(256, 256); o = new nn.Linear(256, 256);
  ln2 = new nn.LayerNorm([256]); up = new nn.Linear(256, 1024); down = new nn.Linear(1024, 256);
  forward(x: torch.Tensor): torch.Tensor { // x: (B, T, D)
    const [B, T, D] = x.shape as [number, number, number];
    const H = 4, hd = D / H;
    const y = this.ln1.forward(x);
    const heads = (t: torch.Tensor): torch.Tensor => t.view(B, T, H, hd).transpose(1, 2); // (B, H, T, hd)
    const a = F.scaledDotProductAttention(heads(this.q.forward(y)), heads(this.k.forward(y)), heads(this.v.forward(y)), { isCausal: true });
    const x2 = x.add(this.o.forward(a.transpose(1, 2).reshape(B, T, D)));
    return x2.add(this.down.forward(F.gelu(this.up.forward(this.ln2.forward(x2)))));
  }
}

function run(model: nn.Module & { forward(x: torch.Tensor): torch.Tensor }, x: torch.Tensor, lossFn: (out: torch.Tensor) => torch.Tensor): number {
  const opt = new AdamW(model.parameters(), { lr: 1e-3 });
  const step = (): number => tidy(() => {
    const loss = lossFn(model.forward(x));
    loss.backward();
    clipGradNorm(model.parameters(), 1.0);
    opt.step();
    opt.zeroGrad();
    return loss.item();
  });
  for (let i = 0; i < 10; i++) step();
  const t0 = performance.now();
  for (let i = 0; i < STEPS; i++) step();
  return STEPS / ((performance.now() - t0) / 1000);
}

const py = process.env.TORCH_PYTHON ?? '/usr/bin/python3';
const r = spawnSync(py, [new URL('./train.py', import.meta.url).pathname, String(STEPS)], { encoding: 'utf8' });
if (r.status !== 0) throw new Error(`python reference failed: ${r.stderr}`);
const ref = JSON.parse(r.stdout) as { torch: string; threads: number; steps_per_s: Record<string, number> };
torch.setNumThreads(ref.threads); // same intra-op threads as the PyTorch run

const x = torch.randn([64, 128]).keep(), y = torch.randint(0, 10, [64]).keep();
const mlp = run(new MLP(), x, (out) => F.crossEntropy(out, y));
const xb = torch.randn([8, 64, 256]).keep();
const blk = run(new Block(), xb, (out) => out.pow(2).mean());

console.log(`training throughput, ${STEPS} steps after 10 warm-up; libtorch ${torch.version()} / torch ${ref.torch}, ${ref.threads} thread(s)`);
console.log('| model | tunekit steps/s | PyTorch steps/s | ratio (target ≥ 1.0) |');
console.log('|---|---:|---:|---:|');
for (const [name, t] of [['4-layer MLP (128-256-256-256-10, batch 64)', mlp], ['transformer block (d 256, 4 heads, FFN 1024, 8×64 tokens)', blk]] as const) {
  const p = ref.steps_per_s[name.startsWith('4') ? 'mlp4' : 'transformer_block']!;
  console.log(`| ${name} | ${t.toFixed(1)} | ${p.toFixed(1)} | ${(t / p).toFixed(2)} |`);
}
