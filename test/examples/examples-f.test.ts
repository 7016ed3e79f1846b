// examples-f.test.ts — the encoder-decoder examples (pii-masking full and --lora, summarize-samsum,
// translate-multi30k) end to end in child processes with tiny settings, started together at load
// (as examples-c), their RESULT lines checked: the train and held-out losses of a from-scratch T5
// fall, the metric the Seq2SeqTrainer's compute_metrics reported equals the metric recomputed here
// from the predictions and references the example printed (BLEU, ROUGE, sacreBLEU, the PII leak
// rate), the LoRA run has peft's trainable count and adapter config, and every saved model or
// adapter reloads to the same logits. The data builder's unit tests are in pii-data.test.ts.
import { after, test } from 'node:test';
import assert from 'node:assert/strict';
import { existsSync, mkdtempSync, readFileSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { bleu, rouge, sacrebleu } from '../../src/metrics/index.js';
import { runExampleScript, type ExampleRun } from './child.js';

const out = mkdtempSync(join(tmpdir(), 'tunekit-examples-f-'));
after(() => rmSync(out, { recursive: true, force: true }));

function runExample(name: string, flags: string[], tag = name): Promise<ExampleRun> {
  return runExampleScript(name, [...flags, '--out', join(out, tag)]);
}

// a T5 at d_model 64 (2+2 blocks, 4.2M weights, nearly all in the 32,128-row embedding and head)
const TINY = ['--d-model', '64', '--layers', '2', '--heads', '4'];
// all four start at once; measured on a loaded 2-core machine: 18 s, 4 s, 9 s, 14 s
const piiFull = runExample('pii-masking', [...TINY, '--rows', '400', '--eval-rows', '8', '--steps', '40', '--lr', '3e-3', '--max-target-length', '48'], 'pii-full');
const piiLora = runExample('pii-masking', [...TINY, '--lora', '--rows', '100', '--eval-rows', '4', '--steps', '10', '--max-target-length', '16'], 'pii-lora');
const samsum = runExample('summarize-samsum', [...TINY, '--rows', '64', '--eval-rows', '8', '--steps', '16', '--batch', '8', '--max-source-length', '128', '--max-target-length', '24'], 'samsum');
const multi30k = runExample('translate-multi30k', [...TINY, '--rows', '400', '--eval-rows', '8', '--steps', '30', '--batch', '16', '--max-target-length', '24'], 'multi30k');

async function ok(run: Promise<ExampleRun>): Promise<Record<string, any>> {
  const { code, output, result } = await run;
  assert.equal(code, 0, output.slice(-3000));
  assert.ok(result, `no RESULT line in:\n${output.slice(-3000)}`);
  return result;
}

/** Equal up to float64 summation order (the example and this test run the same metric code on the same strings). */
function same(actual: number, expected: number, what: string): void {
  assert.ok(Math.abs(actual - expected) <= 1e-12 * Math.max(1, Math.abs(expected)), `${what}: reported ${actual}, recomputed ${expected}`);
}

/** The fine-tuning of a from-scratch model: training and held-out losses fall (from near ln(32128) = 10.38). */
function learned(r: Record<string, any>, evalBefore: number, evalAfter: number): void {
  assert.ok(r.loss_first > 9 && r.loss_first < 12, `first logged loss ${r.loss_first} is not near ln(32128) (the scaled head)`);
  assert.ok(r.loss_last < r.loss_first - 1, `train loss did not fall: ${r.loss_first} -> ${r.loss_last}`);
  assert.ok(evalAfter < evalBefore - 0.5, `held-out loss did not fall: ${evalBefore} -> ${evalAfter}`);
}

test('pii-masking (full fine-tuning): losses fall; BLEU, ROUGE, exact match and leak rate recompute from the printed predictions; the model reloads', async () => {
  const r = await ok(piiFull);
  assert.equal(r.mode, 'full');
  assert.equal(r.batch, 8);
  assert.equal(r.grad_accum, 1);
  assert.equal(r.steps, 40);
  // measured (18 s): 10.95 -> 6.72 train, 10.94 -> 6.25 held out, BLEU 0 -> 0.08
  learned(r, r.eval_loss_before, r.eval_loss_after);
  for (const [when, preds, b] of [['before', r.predictions_before, r.bleu_before], ['after', r.predictions_after, r.bleu_after]] as const) {
    assert.equal(preds.length, 8, `${when}: one prediction per eval row`);
    same(b, bleu(preds, r.references.map((x: string) => [x])).bleu, `BLEU ${when}`);
  }
  same(r.rougeL_after, rouge(r.predictions_after, r.references).rougeL!, 'ROUGE-L after');
  same(r.exact_match_after, r.predictions_after.filter((p: string, i: number) => p === r.references[i]).length / 8, 'exact match');
  const leaks = r.predictions_after.filter((p: string, i: number) => r.privacy_values[i].some((v: string) => p.includes(v))).length;
  same(r.leak_rate_after, leaks / 8, 'leak rate');
  // the references are the masked targets as the T5 tokenizer decodes them: labels, no PII value
  assert.ok(r.references.some((x: string) => /\[(FIRSTNAME|EMAIL|PHONENUMBER|DATE|CITY|IBAN|SSN|CREDITCARDNUMBER)\]/.test(x)), r.references.join('\n'));
  r.references.forEach((x: string, i: number) => r.privacy_values[i].forEach((v: string) => assert.ok(!x.includes(v), `reference ${i} holds ${v}`)));
  assert.equal(r.generations_after.length, 3);
  assert.equal(r.reload_max_abs_diff, 0, 'savePretrained -> AutoModelForSeq2SeqLM.fromPretrained must give the same logits');
  const cfg = JSON.parse(readFileSync(join(out, 'pii-full', 'model', 'config.json'), 'utf8'));
  assert.equal(cfg.model_type, 't5');
  assert.equal(cfg.feed_forward_proj, 'gated-gelu');
  assert.equal(cfg.tie_word_embeddings, false);
  assert.ok(existsSync(join(out, 'pii-full', 'model', 'tokenizer.json')) || existsSync(join(out, 'pii-full', 'model', 'spiece.model')), 'the tokenizer is saved beside the model');
  assert.match(readFileSync(join(out, 'pii-full', 'loss.svg'), 'utf8'), /^<svg[\s\S]*polyline/);
});

test("pii-masking --lora: the seed's LoRA (r 128, alpha 256, q and v) with peft's trainable count; the adapter reloads onto the saved base", async () => {
  const r = await ok(piiLora);
  assert.equal(r.mode, 'lora');
  assert.equal(r.batch, 2, "the seed's per-device batch");
  assert.equal(r.grad_accum, 2, "the seed's gradient accumulation");
  // peft 0.21 get_peft_model(T5 d_model 64 / 4 heads of 16 / 2+2 blocks, LoraConfig(r=128, lora_alpha=256)).print_trainable_parameters():
  // 196,608 trainable = 6 attentions (encoder self x2, decoder self + cross x2) x q, v x (64x128 + 128x64)
  // all: the T5's own 4,310,016 (embedding and untied head 2 x 32,128 x 64; per encoder block attention 4 x 64 x 64 + gated
  // FF 3 x 64 x 128 + 2 norms, decoder blocks one more attention and norm; relative bias 32 x 4 per stack; final norms)
  // plus the adapters (peft counts that way; transformers 5.18's T5 itself adds extra untied embed_tokens, so its total is not comparable)
  assert.equal(r.trainable, 'trainable params: 196,608 || all params: 4,506,624 || trainable%: 4.3626');
  // measured: held-out 10.99 -> 10.31 (10 updates of q/v adapters on a random T5: little to learn with)
  assert.ok(r.eval_loss_after < r.eval_loss_before, `held-out loss did not fall: ${r.eval_loss_before} -> ${r.eval_loss_after}`);
  same(r.bleu_after, bleu(r.predictions_after, r.references.map((x: string) => [x])).bleu, 'BLEU after');
  assert.equal(r.reload_max_abs_diff, 0, 'PeftModel.fromPretrained(saved base, adapter) must give the same logits');
  const cfg = JSON.parse(readFileSync(join(out, 'pii-lora', 'adapter', 'adapter_config.json'), 'utf8'));
  assert.equal(cfg.peft_type, 'LORA');
  assert.equal(cfg.task_type, 'SEQ_2_SEQ_LM');
  assert.equal(cfg.r, 128);
  assert.equal(cfg.lora_alpha, 256);
  assert.equal(cfg.lora_dropout, 0.05);
  assert.deepEqual([...cfg.target_modules].sort(), ['q', 'v'], "peft's default targets for t5");
  assert.ok(existsSync(join(out, 'pii-lora', 'base', 'model.safetensors')), 'the random base is saved for the reload');
});

test('summarize-samsum: losses fall; ROUGE (stemmed) recomputes from the printed summaries; the model reloads and generates the same', async () => {
  const r = await ok(samsum);
  assert.equal(r.train_pairs, 64);
  assert.equal(r.eval_pairs, 8);
  // measured (9 s): 10.94 -> 9.47 train, 10.99 -> 9.66 held out
  learned(r, r.metrics_before.eval_loss, r.metrics_after.eval_loss);
  // random tokens before training still share a few words with the references: a recomputation that is not 0 = 0
  assert.ok(r.metrics_before.eval_rouge1 + r.metrics_after.eval_rouge1 > 0, 'ROUGE-1 is 0 before and after: nothing to recompute');
  for (const [when, preds, m] of [['before', r.predictions_before, r.metrics_before], ['after', r.predictions_after, r.metrics_after]] as const) {
    const re = rouge(preds, r.references, { useStemmer: true });
    for (const k of ['rouge1', 'rouge2', 'rougeL', 'rougeLsum']) same(m[`eval_${k}`], re[k]!, `${k} ${when}`);
  }
  // the references are SAMSum's test summaries (first: "Hannah needs Betty's number but Amanda doesn't have it. ...")
  assert.match(r.references[0], /^Hannah needs Betty's number/);
  assert.equal(r.reload_max_abs_diff, 0);
  assert.equal(r.reload_same_generations, true);
});

test('translate-multi30k: losses fall; sacreBLEU recomputes from the printed translations; the model reloads and generates the same', async () => {
  const r = await ok(multi30k);
  assert.equal(r.train_pairs, 400);
  // measured (14 s): 10.89 -> 8.02 train, 10.81 -> 8.07 held out
  learned(r, r.metrics_before.eval_loss, r.metrics_after.eval_loss);
  assert.ok(r.metrics_before.eval_sacrebleu + r.metrics_after.eval_sacrebleu > 0, 'sacreBLEU is 0 before and after: nothing to recompute');
  for (const [when, preds, m] of [['before', r.predictions_before, r.metrics_before], ['after', r.predictions_after, r.metrics_after]] as const)
    same(m.eval_sacrebleu, sacrebleu(preds, r.references.map((x: string) => [x])).score, `sacreBLEU ${when}`);
  assert.equal(r.references[0], 'Ein Mann mit einem orangefarbenen Hut, der etwas anstarrt.');
  assert.equal(r.reload_max_abs_diff, 0);
  assert.equal(r.reload_same_generations, true);
  assert.match(readFileSync(join(out, 'multi30k', 'loss.svg'), 'utf8'), /^<svg[\s\S]*polyline/);
});
