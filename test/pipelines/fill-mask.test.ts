// fill-mask pipeline (top_k proposals = softmax of the fixture MLM's logits at the mask, targets
// restricting them, several masks) and the pipeline() factory: loading by folder and by hub id
// from the HF cache, the callable wrapper, and its errors.
import { test, after } from 'node:test';
import assert from 'node:assert/strict';
import { copyFileSync, mkdirSync, mkdtempSync, readdirSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { noGrad, tidy } from '../../src/torch/index.js';
import { AutoModelForMaskedLM } from '../../src/models/index.js';
import { FillMaskPipeline, pipeline, SUPPORTED_TASKS, type FillMaskResult } from '../../src/pipelines/index.js';
import { assertClose } from '../helpers.js';
import { fixtureDir, fixturePath, id } from './tiny.js';

const TEXT = 'paris is the [MASK] of france.';

test('top_k proposals are the largest softmax probabilities at the mask, with token_str and the filled sequence', async () => {
  const fill = await pipeline('fill-mask', { model: fixtureDir('bert_mlm') });
  const enc = await fill.tokenizer.call(TEXT, { returnTensors: 'pt' });
  const ids = (enc.input_ids.toArray() as number[][])[0]!;
  const pos = ids.indexOf(id('[MASK]'));
  assert.equal(pos, 4);
  const row = tidy(() => noGrad(() => ((fill.model.forward(enc.data as never) as { logits: { toArray(): unknown } }).logits.toArray() as number[][][])[0]![pos]!));
  enc.dispose();
  const z = row.reduce((s, v) => s + Math.exp(v), 0);
  const p = row.map((v) => Math.exp(v) / z);
  const order = p.map((_, i) => i).sort((a, b) => p[b]! - p[a]!);
  const out = await fill(TEXT) as FillMaskResult[];
  assert.equal(out.length, 5, 'default top_k 5');
  assert.deepEqual(out.map((r) => r.token), order.slice(0, 5));
  assertClose(out.map((r) => r.score), order.slice(0, 5).map((i) => p[i]!), { rtol: 1e-6 });
  for (const r of out) {
    assert.equal(r.token_str, fill.tokenizer.decode([r.token]));
    assert.equal(r.sequence, `paris is the ${r.token_str} of france.`);
  }
  // targets: only those tokens, top_k capped at their number, probabilities still over the whole vocabulary.
  const t = await fill(TEXT, { targets: ['york', 'london', 'york'], top_k: 10 }) as FillMaskResult[];
  const want = [id('york'), id('london')].sort((a, b) => p[b]! - p[a]!);
  assert.deepEqual(t.map((r) => r.token), want);
  assertClose(t.map((r) => r.score), want.map((i) => p[i]!), { rtol: 1e-6 });
  assert.equal((await fill(TEXT, { targets: 'york' }) as FillMaskResult[])[0]!.token_str, 'york');
  assert.equal((await fill(TEXT, { top_k: 1 }) as FillMaskResult[])[0]!.token, order[0]);
});

test('several masks give one list per mask and keep the other masks in the sequence; errors', async () => {
  const model = await AutoModelForMaskedLM.fromPretrained(fixturePath('bert_mlm'), { onWarning: () => {} });
  const fill = await pipeline('fill-mask', { model, tokenizer: fixtureDir('bert_mlm') });
  assert.ok(fill instanceof FillMaskPipeline);
  const out = await fill('[MASK] lives in [MASK].', { top_k: 2 }) as FillMaskResult[][];
  assert.equal(out.length, 2);
  assert.ok(out.every((rows) => rows.length === 2));
  assert.ok(out[0]![0]!.sequence.startsWith('[CLS] ') && out[0]![0]!.sequence.includes('[MASK]'), out[0]![0]!.sequence);
  // A list of texts gives one output each; a list of one gives the output itself (HF).
  const many = await fill([TEXT, 'the [MASK] is a city.'], { top_k: 1 }) as FillMaskResult[][];
  assert.equal(many.length, 2);
  assert.equal((await fill([TEXT], { top_k: 1 }) as FillMaskResult[]).length, 1);
  await assert.rejects(fill('no mask here'), /No mask_token \(\[MASK\]\) found/);
  await assert.rejects(fill(TEXT, { top_k: 0 }), /top_k/);
});

test('pipeline(): tasks, a hub id from the HF cache, a model object without tokenizer, the callable wrapper', async () => {
  assert.deepEqual([...SUPPORTED_TASKS].sort(), ['fill-mask', 'ner', 'question-answering', 'sentiment-analysis', 'summarization', 'text-classification', 'text-generation', 'text2text-generation', 'token-classification', 'translation']);
  await assert.rejects(pipeline('zero-shot-classification' as never, { model: 'x' }), /Unknown task zero-shot-classification/);
  const model = await AutoModelForMaskedLM.fromPretrained(fixturePath('bert_mlm'), { onWarning: () => {} });
  await assert.rejects(pipeline('fill-mask', { model }), /needs a tokenizer/);

  // A hub id resolved through the cache layout models--org--name/{refs/main, snapshots/<sha>}.
  const cache = mkdtempSync(join(tmpdir(), 'tunekit-hub-'));
  const snap = join(cache, 'models--org--tiny-mlm', 'snapshots', 'abc123');
  mkdirSync(snap, { recursive: true });
  const src = fixtureDir('bert_mlm');
  for (const f of readdirSync(src)) copyFileSync(join(src, f), join(snap, f));
  mkdirSync(join(cache, 'models--org--tiny-mlm', 'refs'));
  writeFileSync(join(cache, 'models--org--tiny-mlm', 'refs', 'main'), 'abc123\n');
  const saved = { cache: process.env.HF_HUB_CACHE, offline: process.env.HF_HUB_OFFLINE };
  after(() => {
    for (const [k, v] of [['HF_HUB_CACHE', saved.cache], ['HF_HUB_OFFLINE', saved.offline]] as const) if (v === undefined) delete process.env[k]; else process.env[k] = v;
  });
  process.env.HF_HUB_CACHE = cache;
  process.env.HF_HUB_OFFLINE = '1';
  const fill = await pipeline('fill-mask', { model: 'org/tiny-mlm' });
  const a = await fill(TEXT, { top_k: 3 }) as FillMaskResult[];
  const b = await fill.call(TEXT, { top_k: 3 }) as FillMaskResult[];
  assert.deepEqual(a, b, 'calling the pipeline = its call method');
  assert.equal(fill.task, 'fill-mask');
  assert.equal(fill.model.training, false, 'inference in eval mode');
  await assert.rejects(pipeline('fill-mask', { model: 'org/not-cached' }), /not in the HF cache .*HF_HUB_OFFLINE=1/);
  await assert.rejects(pipeline('fill-mask', { model: '/no/such/dir here' }), /neither a folder nor a hub id/);
});
