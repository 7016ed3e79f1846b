// decoder_cuda.mts — the decoders and generation on CUDA: HF parity fixtures (logits, loss, grads) run
// on the GPU, the generation fixtures' greedy/beam cases (exact tokens), stories260K greedy 200 tokens
// with the cache, and greedy tokens/s vs transformers' generate() on the same GPU and weights.
// Prints RESULT {json}. Every section is caught: a failure is recorded, the rest still runs.
import { readFileSync, existsSync } from 'node:fs';
import { join } from 'node:path';
import { spawnSync } from 'node:child_process';
import * as torch from '../../src/torch/index.js';
import { AutoModelForCausalLM } from '../../src/models/index.js';
import { AutoTokenizer } from '../../src/tokenizers/index.js';
import '../../src/generation/index.js';

const SH = process.env.TUNEKIT_SHARED!;
const DEV = torch.cuda.isAvailable() ? 'cuda' : 'cpu';
const res: Record<string, unknown> = { libtorch: torch.version(), device: DEV, cuda_built: torch.cuda.isBuilt() };
const errors: Record<string, string> = {};
const maxAbs = (t: torch.Tensor): number => torch.tidy(() => (t.numel() ? t.abs().max().item() : 0));
async function section(name: string, f: () => Promise<unknown>): Promise<void> {
  const t0 = performance.now();
  try { res[name] = await f(); } catch (e) { errors[name] = String((e as Error).stack ?? e).slice(0, 600); }
  console.log(`${name}: ${((performance.now() - t0) / 1000).toFixed(1)}s ${JSON.stringify(res[name] ?? errors[name]).slice(0, 300)}`);
}

await section('parity', async () => {
  const out: Record<string, unknown> = {};
  for (const name of ['llama_lm', 'qwen2_lm', 'gpt2_lm', 'opt_lm', 'gpt_neo_lm']) {
    const dir = join(SH, 'fixtures/hf/models', name);
    const model = await AutoModelForCausalLM.fromPretrained(dir, { onWarning: () => {} });
    model.to(DEV);
    model.train();
    const file = await torch.safetensors.loadFile(join(dir, 'reference.safetensors'));
    const inputs: Record<string, torch.Tensor> = {};
    for (const [k, v] of Object.entries(file)) if (k.startsWith('input.')) inputs[k.slice(6)] = v.to(DEV);
    out[name] = torch.tidy(() => {
      const o = model.forward(inputs as never);
      const logitDiff = maxAbs(o.logits.cpu().sub(file['output.logits']!));
      const lossDiff = Math.abs(o.loss!.item() - file['output.loss']!.item());
      o.loss!.backward();
      let worst = 0;
      for (const [n, p] of model.namedParameters()) {
        const want = file[`grad.${n}`]!; const norm = want.norm().item();
        if (norm < 1e-5) continue;
        worst = Math.max(worst, p.grad!.cpu().sub(want).norm().item() / norm);
      }
      return { logit_max_abs_diff: logitDiff, loss_abs_diff: lossDiff, grad_max_rel_err: worst, ok: logitDiff < 1e-4 && worst < 1e-3 };
    });
    model.dispose();
  }
  return out;
});

await section('generation_fixtures', async () => {
  const out: Record<string, unknown> = {};
  for (const name of ['llama_lm', 'qwen2_lm', 'gpt2_lm']) {
    const ref = JSON.parse(readFileSync(join(SH, 'fixtures/hf/generation', name, 'reference.json'), 'utf8'));
    const model = await AutoModelForCausalLM.fromPretrained(join(SH, 'fixtures/hf/models', name), { onWarning: () => {} });
    model.to(DEV);
    model.eval();
    const cases: Record<string, boolean> = {};
    for (const [cname, c] of Object.entries(ref.cases) as [string, any][]) {
      torch.tidy(() => {
        const ids = torch.tensor(c.input_ids, { dtype: 'int64', device: DEV });
        const mask = torch.tensor(c.attention_mask, { dtype: 'int64', device: DEV });
        const seq = model.generate({ input_ids: ids, attention_mask: mask, ...c.generate_kwargs }) as unknown as torch.Tensor;
        cases[cname] = JSON.stringify(seq.cpu().toArray()) === JSON.stringify(c.sequences);
      });
    }
    out[name] = cases;
    model.dispose();
  }
  return out;
});

await section('stories260K', async () => {
  const dir = join(SH, 'data/models/stories260K');
  const model = await AutoModelForCausalLM.fromPretrained(dir);
  model.to(DEV); model.eval();
  const tok = await AutoTokenizer.fromPretrained(dir);
  const ref = readFileSync(join(dir, 'REFERENCE_OUTPUT.md'), 'utf8');
  const story = ref.slice(ref.lastIndexOf('```\n', ref.lastIndexOf('Once upon')) + 4).split('\n').slice(1).join('\n');
  const t0 = performance.now();
  const seq = model.generate({ input_ids: torch.tensor([[1]], { dtype: 'int64', device: DEV }), max_new_tokens: 200, do_sample: false });
  const dt = performance.now() - t0;
  const text = tok.decode((seq.cpu().toArray() as number[][])[0]!, { skipSpecialTokens: true });
  const want = ref.slice(ref.indexOf('Once upon a time, there was a little girl named Lily'));
  let same = 0; while (same < text.length && text[same] === want[same]) same++;
  void story;
  return { chars_matching_reference: same, generated_chars: text.length, ms_for_200_tokens: Math.round(dt) };
});

if (DEV === 'cuda') await section('speed_vs_hf', async () => {
  const py = process.env.PYTHON ?? 'python3';
  const dir = '/tmp/tk-llama30m';
  if (!existsSync(join(dir, 'model.safetensors'))) spawnSync(py, ['bench/hf/make_llama.py', dir], { stdio: 'inherit' });
  const out: Record<string, unknown> = {};
  for (const [b, f] of [[1, 128], [8, 128]] as const) {
    const model = await AutoModelForCausalLM.fromPretrained(dir);
    model.to(DEV); model.eval();
    const ids = torch.randint(3, 8192, [b, 32], { generator: new torch.Generator().manualSeed(0) }).to(DEV).keep();
    const kw = { input_ids: ids, max_new_tokens: f, min_new_tokens: f, do_sample: false, pad_token_id: 0 };
    model.generate({ ...kw, max_new_tokens: 4, min_new_tokens: 4 }).dispose();
    const rates: number[] = [];
    for (let r = 0; r < 3; r++) { const t0 = performance.now(); model.generate(kw).cpu().dispose(); rates.push((b * f) / ((performance.now() - t0) / 1000)); }
    rates.sort((x, y) => x - y);
    const hf = spawnSync(py, ['-c', `
import sys, time, torch, json
from transformers import AutoModelForCausalLM
m = AutoModelForCausalLM.from_pretrained('${dir}').cuda().eval()
ids = torch.randint(3, 8192, (${b}, 32)).cuda()
kw = dict(max_new_tokens=${f}, min_new_tokens=${f}, do_sample=False, pad_token_id=0)
with torch.inference_mode():
    m.generate(ids, attention_mask=torch.ones_like(ids), **{**kw, 'max_new_tokens': 4, 'min_new_tokens': 4})
    rs = []
    for _ in range(3):
        torch.cuda.synchronize(); t0 = time.perf_counter(); m.generate(ids, attention_mask=torch.ones_like(ids), **kw); torch.cuda.synchronize(); rs.append(${b}*${f}/(time.perf_counter()-t0))
print(json.dumps(sorted(rs)[1]))
`], { encoding: 'utf8' });
    const hfRate = hf.status === 0 ? Number(hf.stdout.trim().split('\n').pop()) : NaN;
    out[`batch${b}`] = { tunekit_tok_s: Math.round(rates[1]!), hf_tok_s: Math.round(hfRate), ratio: Number((rates[1]! / hfRate).toFixed(2)), hf_err: hf.status === 0 ? undefined : hf.stderr.slice(-300) };
    model.dispose();
  }
  return out;
});

console.log('RESULT ' + JSON.stringify({ ...res, errors }));
