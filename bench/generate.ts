// bench/generate.ts — greedy generation tokens/s, tunekit's generate() vs transformers' generate()
// (bench/hf/generate.py) on the same CPU, the same libtorch and the same weights: the real
// stories260K and a random ~27M-parameter Llama (bench/hf/make_llama.py, transformers' own init),
// batch 1 and 8, KV cache on, no early stop. Each side is timed in its own process, alternating.
//
// Same libtorch: run tunekit against the torch of the Python side, e.g.
//   TUNEKIT_NATIVE=$PWD/native/build-torch2/Release/tunekit_native.node HF_PYTHON=/tmp/venv-hf/bin/python \
//     node --import tsx bench/generate.ts [--quick]
// (build it with `TUNEKIT_BUILD_DIR=native/build-torch2 LIBTORCH=<venv>/lib/python3.11/site-packages/torch npm run build`).
import { spawnSync } from 'node:child_process';
import { existsSync } from 'node:fs';
import { cpus } from 'node:os';
import * as torch from '../src/torch/index.js';
import { AutoModelForCausalLM } from '../src/models/index.js';
import '../src/generation/index.js';

const quick = process.argv.includes('--quick');
const child = process.argv.includes('--child');
const py = process.env.HF_PYTHON ?? '/tmp/venv-hf/bin/python';
const threads = Number(process.env.BENCH_THREADS ?? Math.min(2, cpus().length));
const LLAMA30M = process.env.BENCH_LLAMA_DIR ?? '/tmp/tunekit-bench/llama30m';
const STORIES = new URL('../../shared/data/models/stories260K', import.meta.url).pathname;

/** tunekit: median new tokens/s of `repeats` greedy runs (same prompts as the Python side: seeded ids in [3, vocab)). */
async function tunekitRate(dir: string, batch: number, prompt: number, fresh: number, repeats: number): Promise<number> {
  torch.setNumThreads(threads);
  const model = await AutoModelForCausalLM.fromPretrained(dir);
  model.eval();
  const vocab = (model.config as unknown as { vocab_size: number }).vocab_size;
  const ids = torch.randint(3, vocab, [batch, prompt], { generator: new torch.Generator().manualSeed(0) }).keep();
  const mask = torch.onesLike(ids).keep();
  const kw = { input_ids: ids, attention_mask: mask, max_new_tokens: fresh, min_new_tokens: fresh, do_sample: false, pad_token_id: 0 };
  model.generate({ ...kw, max_new_tokens: 2, min_new_tokens: 2 }).dispose(); // warm-up
  const rates: number[] = [];
  for (let r = 0; r < repeats; r++) {
    const t0 = performance.now();
    const out = model.generate(kw);
    const dt = (performance.now() - t0) / 1000;
    if (out.size(1) !== prompt + fresh) throw new Error(`generated ${out.size(1) - prompt} tokens, not ${fresh}`);
    out.dispose();
    rates.push((batch * fresh) / dt);
  }
  model.dispose();
  rates.sort((a, b) => a - b);
  return rates[Math.floor(rates.length / 2)]!;
}

function hfRate(dir: string, batch: number, prompt: number, fresh: number, repeats: number): { rate: number; torch: string } {
  const r = spawnSync(py, [new URL('./hf/generate.py', import.meta.url).pathname, dir, String(batch), String(prompt), String(fresh), String(repeats), String(threads)], { encoding: 'utf8' });
  if (r.status !== 0) throw new Error(`transformers side failed: ${r.stderr.split('\n').slice(-5).join(' / ')}`);
  const j = JSON.parse(r.stdout.trim().split('\n').pop()!) as { tokens_per_s: number; torch: string };
  return { rate: j.tokens_per_s, torch: j.torch };
}

if (child) {
  // --child dir batch prompt fresh repeats: one tunekit measurement in a fresh process
  const [dir, b, p, f, n] = process.argv.slice(process.argv.indexOf('--child') + 1);
  console.log(JSON.stringify({ rate: await tunekitRate(dir!, Number(b), Number(p), Number(f), Number(n)) }));
  process.exit(0);
}

if (!existsSync(`${LLAMA30M}/model.safetensors`)) {
  const r = spawnSync(py, [new URL('./hf/make_llama.py', import.meta.url).pathname, LLAMA30M], { stdio: 'inherit' });
  if (r.status !== 0) throw new Error('could not make the ~27M Llama checkpoint (needs transformers: HF_PYTHON)');
}
const cases: [string, string, number, number, number][] = [
  // name, dir, batch, prompt tokens, new tokens
  ['stories260K', STORIES, 1, 32, quick ? 32 : 128],
  ['stories260K', STORIES, 8, 32, quick ? 32 : 128],
  ['Llama ~27M', LLAMA30M, 1, 32, quick ? 16 : 64],
  ['Llama ~27M', LLAMA30M, 8, 32, quick ? 16 : 64],
];
const repeats = quick ? 3 : 5;
console.log(`libtorch ${torch.version()} (tunekit), ${threads} threads each side; greedy, KV cache, median of ${repeats}, rounds alternating sides\n`);
console.log('| model | batch | prompt | new tokens | tunekit tok/s | transformers tok/s | ratio (goal ≥ 1.5) |');
console.log('|---|---:|---:|---:|---:|---:|---:|');
let hfTorch = '';
for (const [name, dir, b, p, f] of cases) {
  const t = spawnSync(process.execPath, ['--import', 'tsx', new URL(import.meta.url).pathname, '--child', dir, String(b), String(p), String(f), String(repeats)], { encoding: 'utf8', env: process.env });
  if (t.status !== 0) throw new Error(`tunekit side failed: ${t.stderr.split('\n').slice(-5).join(' / ')}`);
  const ours = (JSON.parse(t.stdout.trim().split('\n').pop()!) as { rate: number }).rate;
  const hf = hfRate(dir, b, p, f, repeats);
  hfTorch = hf.torch;
  console.log(`| ${name} | ${b} | ${p} | ${f} | ${ours.toFixed(1)} | ${hf.rate.toFixed(1)} | ${(ours / hf.rate).toFixed(2)} |`);
}
console.log(`\ntransformers side: torch ${hfTorch}`);
