// Smoke tests of the tutorial ports examples/mrpc.ts, imdb-sentiment.ts, ner.ts and
// ner-custom-loop.ts: each runs end to end in a child process on a few dozen rows (all four at
// once, so the file takes about as long as the slowest), exits 0, prints a `metrics {...}` line
// whose scores lie in [0, 1], and leaves the saved model and the loss curve in its output folder.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { runExampleScript } from './child.js';
import { existsSync, mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { alignLabels, bToIMap, nerMetrics } from '../../examples/common/ner.js';
import { sharedTokenizer } from '../../examples/common/setup.js';
import { CONLL2003_NER } from '../../src/data/index.js';

const TINY = ['--epochs', '1', '--max-train-samples', '64', '--max-eval-samples', '32'];
/** Per child (one thread each, see child.ts); a loaded 2-core machine runs each in 10-25 s. */
const TIMEOUT_MS = 300_000;
const work = mkdtempSync(join(tmpdir(), 'tunekit-examples-a-'));
process.on('exit', () => rmSync(work, { recursive: true, force: true }));

interface Run { code: number | null; signal: NodeJS.Signals | null; out: string; outputDir: string }

function runExample(name: string, extra: string[] = []): Promise<Run> {
  const outputDir = join(work, name);
  return runExampleScript(name, [...TINY, '--output-dir', outputDir, ...extra], { timeoutMs: TIMEOUT_MS, env: { TUNEKIT_DISABLE_CACHING: '1' } })
    .then(({ code, signal, output }) => ({ code, signal, out: output, outputDir }));
}

/** Started together at load time; each test awaits its own. */
const runs = {
  mrpc: runExample('mrpc'),
  imdb: runExample('imdb-sentiment'),
  ner: runExample('ner', ['--label-all-tokens']),
  nerLoop: runExample('ner-custom-loop', ['--log-every', '1']),
};

function check(r: Run, keys: string[]): Record<string, number> {
  assert.equal(r.signal, null, `killed by ${r.signal} (timeout ${TIMEOUT_MS / 1000}s?):\n${r.out.slice(-3000)}`);
  assert.equal(r.code, 0, `exit code ${r.code}:\n${r.out.slice(-3000)}`);
  const line = r.out.split('\n').find((l) => l.startsWith('metrics {'));
  assert.ok(line, `no metrics line in:\n${r.out.slice(-3000)}`);
  const m = JSON.parse(line.slice('metrics '.length)) as Record<string, number>;
  for (const k of keys) {
    assert.equal(typeof m[k], 'number', `metric ${k} missing from ${line}`);
    assert.ok(m[k]! >= 0 && m[k]! <= 1, `metric ${k} = ${m[k]} is outside [0, 1]`);
  }
  for (const f of ['config.json', 'model.safetensors', 'tokenizer.json', 'loss.svg'])
    assert.ok(existsSync(join(r.outputDir, f)), `${f} not written to ${r.outputDir}`);
  return m;
}

test('examples/mrpc.ts trains, evaluates (glue mrpc accuracy/f1) and saves', { timeout: TIMEOUT_MS + 30_000 }, async () => {
  const r = await runs.mrpc;
  check(r, ['accuracy', 'f1', 'accuracy_before', 'f1_before', 'majority_accuracy']);
  assert.match(r.out, /MRPC: 64 train \/ 32 validation pairs/);
});

test('examples/imdb-sentiment.ts trains, evaluates (accuracy/f1) and saves', { timeout: TIMEOUT_MS + 30_000 }, async () => {
  const r = await runs.imdb;
  check(r, ['accuracy', 'f1', 'accuracy_before', 'majority_accuracy']);
  assert.match(r.out, /IMDB: 64 train \/ 32 test reviews/);
});

test('examples/ner.ts --label-all-tokens trains, evaluates (seqeval overall_*) and saves', { timeout: TIMEOUT_MS + 30_000 }, async () => {
  const r = await runs.ner;
  const m = check(r, ['precision', 'recall', 'f1', 'accuracy', 'all_o_accuracy']);
  // The all-O baseline is a token accuracy over the labelled positions: CoNLL is mostly O.
  assert.ok(m.all_o_accuracy! > 0.6, `all-O accuracy ${m.all_o_accuracy}`);
});

test('examples/ner-custom-loop.ts runs its own loop with progress lines, evaluates and saves', { timeout: TIMEOUT_MS + 30_000 }, async () => {
  const r = await runs.nerLoop;
  check(r, ['precision', 'recall', 'f1', 'accuracy']);
  assert.match(r.out, /step +2\/2 +epoch 1\.00 +loss [\d.]+ .* steps\/s, \d+ tokens\/s +ETA 0s/);
  assert.match(r.out, /epoch 0: precision /);
});

// The HF course's worked example (chapter 7.2): "EU rejects German call to boycott British lamb ."
// with bert-base-cased is [CLS] EU rejects German call to boycott British la ##mb . [SEP].
test('label alignment reproduces the course example (word_ids, first sub-token and label-all variants)', async () => {
  const tok = await sharedTokenizer('bert-base-cased');
  const words = ['EU', 'rejects', 'German', 'call', 'to', 'boycott', 'British', 'lamb', '.'];
  const enc = await tok.call([words], { isSplitIntoWords: true });
  assert.deepEqual(enc.tokens(0), ['[CLS]', 'EU', 'rejects', 'German', 'call', 'to', 'boycott', 'British', 'la', '##mb', '.', '[SEP]']);
  const wordIds = enc.wordIds(0);
  assert.deepEqual(wordIds, [null, 0, 1, 2, 3, 4, 5, 6, 7, 7, 8, null]);
  const labels = [3, 0, 7, 0, 0, 0, 7, 0, 0]; // B-ORG O B-MISC O O O B-MISC O O
  const b2i = bToIMap(CONLL2003_NER);
  assert.deepEqual(b2i, [0, 2, 2, 4, 4, 6, 6, 8, 8]);
  assert.deepEqual(alignLabels(labels, wordIds, true, b2i), [-100, 3, 0, 7, 0, 0, 0, 7, 0, 0, 0, -100]); // the course's output
  assert.deepEqual(alignLabels(labels, wordIds, false, b2i), [-100, 3, 0, 7, 0, 0, 0, 7, 0, -100, 0, -100]);
  // a split B-PER word: its second piece becomes I-PER (2) when every token is labelled
  assert.deepEqual(alignLabels([1, 0], [null, 0, 0, 1, null], true, b2i), [-100, 1, 2, 0, -100]);
});

test('nerMetrics drops -100 positions and scores entities with seqeval', () => {
  const names = [...CONLL2003_NER];
  // two rows of T = 4; row 0: B-PER I-PER O (+pad), row 1: B-LOC (+3 pads)
  const labels = [1, 2, 0, -100, 5, -100, -100, -100];
  const perfect = nerMetrics([1, 2, 0, 0, 5, 0, 0, 0], labels, 2, names);
  assert.deepEqual(perfect, { precision: 1, recall: 1, f1: 1, accuracy: 1 });
  // predictions at -100 positions are ignored; missing the LOC: 1 of 2 entities found, 1 predicted
  const half = nerMetrics([1, 2, 0, 7, 0, 5, 5, 5], labels, 2, names);
  assert.deepEqual(half, { precision: 1, recall: 0.5, f1: 2 / 3, accuracy: 0.75 });
});
