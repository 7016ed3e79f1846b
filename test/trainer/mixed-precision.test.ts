// mixed-precision.test.ts — bf16 autocast (torch.autocast, TrainingArguments.bf16) on CPU.
// torch level: inside the scope libtorch's own CPU autocast lists apply (a matmul runs on bfloat16
// copies of its inputs, bit for bit the explicit cast; elementwise ops stay float32), scopes nest
// and restore, and the Disposable and async forms hold until they end.  Trainer level: HF's fixture
// runs (shared/fixtures/hf/training, float32 in transformers 4.47.1) trained with bf16=true follow
// the float32 curve within bf16's precision (8 mantissa bits: ~0.4% per rounding), and autocast
// visibly takes part (the curve is not the float32 one bit for bit).
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import * as torch from '../../src/torch/index.js';
import { BertForSequenceClassification } from '../../src/models/bert/index.js';
import { LlamaForCausalLM } from '../../src/models/llama/index.js';
import { Trainer, TrainingArguments, PrinterCallback, ProgressCallback, type TrainingArgumentsInit } from '../../src/trainer/index.js';
import { sharedDir } from '../helpers.js';
import { tmpDir } from './tiny.js';

test('autocast(cpu, bfloat16): matmul = the bfloat16 matmul of the inputs bit for bit, elementwise stays float32, state restored', () => {
  torch.tidy(() => {
    const g = new torch.Generator().manualSeed(7);
    const a = torch.randn([5, 16], { generator: g }), b = torch.randn([16, 3], { generator: g });
    const want = a.to('bfloat16').matmul(b.to('bfloat16'));
    assert.equal(torch.isAutocastEnabled('cpu'), false);
    const [got, sum] = torch.autocast('cpu', { dtype: 'bfloat16' }, () => {
      assert.equal(torch.isAutocastEnabled('cpu'), true);
      return [a.matmul(b), a.add(a)];
    });
    assert.equal(got.dtype, 'bfloat16');
    assert.equal(got.sub(want).abs().max().item(), 0);
    assert.equal(sum.dtype, 'float32');
    assert.equal(torch.isAutocastEnabled('cpu'), false);
    assert.equal(a.matmul(b).dtype, 'float32', 'off after the scope');
    // nested: enabled false inside keeps the outer scope's state; the outer comes back after
    torch.autocast('cpu', {}, () => {
      torch.autocast('cpu', { enabled: false }, () => assert.equal(a.matmul(b).dtype, 'bfloat16'));
      assert.equal(a.matmul(b).dtype, 'bfloat16');
    });
    {
      using _ac = torch.autocast('cpu');
      assert.equal(a.matmul(b).dtype, 'bfloat16');
    }
    assert.equal(a.matmul(b).dtype, 'float32');
    assert.throws(() => torch.autocast('cpu', { dtype: 'int8' as never }, () => 0), /dtype must be 'bfloat16' or 'float16'/);
    assert.throws(() => torch.autocast('tpu' as never, {}, () => 0), /device must be 'cpu' or 'cuda'/);
    assert.throws(() => torch.autocast('cpu', {}, () => { throw new Error('inside'); }), /inside/);
    assert.equal(torch.isAutocastEnabled('cpu'), false, 'off after a throw');
  });
});

test('autocast with an async function holds until the promise settles', async () => {
  const a = torch.randn([2, 4]).keep(), b = torch.randn([4, 2]).keep();
  const dtype = await torch.autocast('cpu', {}, async () => { await new Promise((r) => setTimeout(r, 5)); return a.matmul(b).dtype; });
  assert.equal(dtype, 'bfloat16');
  assert.equal(torch.isAutocastEnabled('cpu'), false);
  a.dispose(); b.dispose();
});

async function bf16Run(name: string, load: (dir: string) => Promise<BertForSequenceClassification | LlamaForCausalLM>, gaLossRule: 'none' | 'divide') {
  const root = sharedDir('fixtures/hf/training', name);
  const ref = JSON.parse(readFileSync(join(root, 'reference.json'), 'utf8')) as { training_arguments: Record<string, unknown>; steps: { loss: number }[] };
  const rows = (JSON.parse(readFileSync(join(root, 'dataset.json'), 'utf8')) as { rows: Record<string, unknown>[] }).rows;
  const model = await load(join(root, 'init'));
  const args = new TrainingArguments({ ...(ref.training_arguments as TrainingArgumentsInit), output_dir: tmpDir(), bf16: true });
  const trainer = new Trainer({ model, args, trainDataset: rows, trainSampler: 'sequential', gaLossRule });
  trainer.removeCallback(PrinterCallback);
  trainer.removeCallback(ProgressCallback);
  await trainer.train();
  const got = trainer.state.log_history.filter((h) => h.loss !== undefined).map((h) => h.loss!);
  const want = ref.steps.map((s) => s.loss);
  assert.equal(got.length, want.length);
  const rel = got.map((l, i) => Math.abs(l - want[i]!) / Math.abs(want[i]!));
  if (process.env.TUNEKIT_SHOW_BF16) console.log(name, JSON.stringify({ got, want, worst: Math.max(...rel) }));
  return { got, want, rel };
}

test('bert_seqcls with bf16=true follows HF\'s float32 curve within bf16 precision (10 steps)', async () => {
  const { got, want, rel } = await bf16Run('bert_seqcls', (d) => BertForSequenceClassification.fromPretrained(d), 'none');
  assert.ok(Math.max(...rel) < 1e-2, `losses ${got} vs float32 ${want}: worst relative ${Math.max(...rel)}`);
  assert.ok(rel.some((r) => r > 0), 'bf16 autocast changed nothing: is it applied?');
});

test('llama_lm with bf16=true follows HF\'s float32 curve within bf16 precision (10 steps, token-sum loss)', async () => {
  const { got, want, rel } = await bf16Run('llama_lm', (d) => LlamaForCausalLM.fromPretrained(d), 'divide');
  assert.ok(Math.max(...rel) < 1e-2, `losses ${got} vs float32 ${want}: worst relative ${Math.max(...rel)}`);
  assert.ok(rel.some((r) => r > 0), 'bf16 autocast changed nothing: is it applied?');
});
