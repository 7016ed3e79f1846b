// test/examples/examples-c.test.ts — smoke tests of the causal-LM examples clm-from-scratch and
// finetune-stories (each run end to end in a child process with tiny settings, its RESULT line
// parsed and checked: perplexity falls, text is generated, the saved model reloads to the same
// logits, the pipeline on the saved folder generates what the model in memory does), plus
// hand-checkable unit tests of their helpers (examples/clm): group_texts with a separator, the
// scored targets and unigram baseline, and the byte-level BPE trained and cut to a vocabulary size.
import { after, test } from 'node:test';
import assert from 'node:assert/strict';
import { runExampleScript, type ExampleRun } from './child.js';
import { mkdtempSync, readFileSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { byteLevelAlphabet } from 'tokenizers';
import { groupTexts, scoredTargets, unigramPerplexity } from '../../examples/clm/chunks.js';
import { EOT, trainByteLevelBpe, truncateBpe } from '../../examples/clm/bpe.js';

const out = mkdtempSync(join(tmpdir(), 'tunekit-examples-c-'));
after(() => rmSync(out, { recursive: true, force: true }));

/** Runs an example with tiny settings; resolves with its exit code, output and parsed RESULT line. */
function runExample(name: string, flags: string[], outName = name): Promise<ExampleRun> {
  return runExampleScript(name, [...flags, '--out', join(out, outName)]);
}

// both children start at once, so the file's wall time is the slower of the two (measured 11-14 s each, unloaded)
const scratchRun = runExample('clm-from-scratch', ['--max-docs', '60', '--vocab-size', '1024', '--steps', '20', '--batch', '8', '--eval-every', '0', '--max-new-tokens', '12']);
const storiesRun = runExample('finetune-stories', ['--max-docs', '120', '--steps', '15', '--batch', '8', '--eval-every', '0', '--max-new-tokens', '16']);

test('clm-from-scratch: a random GPT-2 starts near uniform, its held-out perplexity falls, it generates and reloads', async () => {
  const { code, output, result } = await scratchRun;
  assert.equal(code, 0, output.slice(-3000));
  assert.ok(result, `no RESULT line in:\n${output.slice(-3000)}`);
  const { perplexity_before: before, perplexity_after: after, vocab_size: V } = result;
  assert.equal(V, 1024); // 1 special + 256 byte symbols + 767 merges of the trained tokenizer
  // an untrained model is close to uniform over the vocabulary: perplexity near V
  assert.ok(before > V / 3 && before < V * 3, `untrained perplexity ${before} vs vocab ${V}`);
  // measured: 1,052 -> 450 after 20 updates (unigram 427): the first updates learn the token frequencies
  assert.ok(after < 0.75 * before, `perplexity did not fall: ${before} -> ${after}`);
  assert.ok(result.unigram_perplexity > 1 && result.unigram_perplexity < V, `unigram ${result.unigram_perplexity}`);
  assert.equal(result.generations.length, 3);
  for (const g of result.generations) for (const k of ['greedy', 'sampled']) assert.ok(typeof g[k] === 'string' && g[k].trim().length > 0, `${g.prompt} ${k}: ${JSON.stringify(g[k])}`);
  assert.equal(result.reload_max_abs_diff, 0, 'savePretrained -> fromPretrained must give the same logits');
  assert.match(readFileSync(join(out, 'clm-from-scratch', 'loss.svg'), 'utf8'), /^<svg[\s\S]*polyline/);
  // the saved tokenizer is the trained one: GPT-2's special token at id 0
  const tj = JSON.parse(readFileSync(join(out, 'clm-from-scratch', 'tokenizer.json'), 'utf8'));
  assert.equal(tj.model.vocab[EOT], 0);
});

test('finetune-stories: review perplexity falls, the story probe rises, the saved model reloads and the pipeline matches', async () => {
  const { code, output, result } = await storiesRun;
  assert.equal(code, 0, output.slice(-3000));
  assert.ok(result, `no RESULT line in:\n${output.slice(-3000)}`);
  const { perplexity_before: before, perplexity_after: after } = result;
  // measured (120 reviews, 15 updates of 8 x 128): 38.9 -> 23.0 on the 12 held-out reviews; the pretrained
  // model is already far below uniform (512) and the unigram baseline (~114)
  assert.ok(before < result.unigram_perplexity, `pretrained ${before} vs unigram ${result.unigram_perplexity}`);
  assert.ok(after < 0.9 * before, `IMDB perplexity did not fall: ${before} -> ${after}`);
  // the model's own greedy story: near-deterministic for it before (measured 1.58), less so after fine-tuning (2.87)
  const [greedyBefore] = result.tinystories_probe_before, [greedyAfter] = result.tinystories_probe_after;
  assert.ok(greedyBefore > 1 && greedyBefore < 2, `probe before ${greedyBefore}`);
  assert.ok(greedyAfter > greedyBefore, `no forgetting on the probe: ${greedyBefore} -> ${greedyAfter}`);
  for (const when of ['generations_before', 'generations_after'])
    for (const k of ['greedy', 'sampled']) assert.ok(typeof result[when][k] === 'string' && result[when][k].trim().length > 0, `${when}.${k}: ${JSON.stringify(result[when][k])}`);
  // stories260K's greedy prompt continuation before fine-tuning (REFERENCE-style story text)
  assert.match(result.generations_before.greedy, /^\. It is a big, shiny rock/);
  assert.equal(result.reload_max_abs_diff, 0, 'savePretrained -> fromPretrained must give the same logits');
  assert.equal(result.pipeline_matches, true, 'pipeline(text-generation) on the saved folder must generate the in-memory greedy tokens');
  assert.ok(result.pipeline_text.startsWith('I watched this movie') && result.pipeline_text.length > 'I watched this movie'.length);
});

test('group_texts (causal LM): a separator after each text, blocks cut from the stream, the remainder dropped', () => {
  // stream 5 6 | 0 | 7 8 9 | 0 -> [5 6] [0 7] [8 9], the trailing separator dropped
  const g = groupTexts({ input_ids: [[5, 6], [7, 8, 9]], attention_mask: [[1, 1], [1, 1, 1]], token_type_ids: [[0, 0], [1, 1, 1]], text: ['a', 'b'] } as never, 2, { separator: 0 });
  assert.deepEqual(g.input_ids, [[5, 6], [0, 7], [8, 9]]);
  assert.deepEqual(g.attention_mask, [[1, 1], [1, 1], [1, 1]]);
  assert.deepEqual(g.token_type_ids, [[0, 0], [0, 1], [1, 1]]);
  assert.equal(g.text, undefined); // non-list columns cannot be cut and are dropped
  assert.equal(g.labels, undefined); // the causal-LM collator makes labels
  // without a separator: 5 6 7 8 9 -> [5 6 7 8], 9 dropped
  assert.deepEqual(groupTexts({ input_ids: [[5, 6], [7, 8, 9]] }, 4).input_ids, [[5, 6, 7, 8]]);
  assert.deepEqual(groupTexts({ input_ids: [[5, 6]] }, 3).input_ids, []);
  assert.throws(() => groupTexts({ input_ids: [[1]] }, 0), /blockSize/);
});

test('scored targets and the unigram baseline: hand-computed', () => {
  // each block's ids after its first, EOS (0) excluded as the collator's -100
  assert.deepEqual(scoredTargets([[5, 6, 0], [0, 7, 8]], [0]), [6, 7, 8]);
  assert.deepEqual(scoredTargets([[5, 6, 0]]), [6, 0]);
  // counts + 1 over V = 3: [3, 2, 1] / 6; eval 0 and 1: exp(-(ln 1/2 + ln 1/3) / 2) = sqrt(6)
  assert.ok(Math.abs(unigramPerplexity([0, 0, 1], [0, 1], 3) - Math.sqrt(6)) < 1e-12);
  // no train data: add-one alone is uniform, perplexity V
  assert.ok(Math.abs(unigramPerplexity([], [0, 1, 2, 2], 7) - 7) < 1e-12);
});

test('truncateBpe: EOT = 0, the 256 byte symbols by code point, then merge results until the size', () => {
  const alphabet = [...byteLevelAlphabet()].sort((x, y) => x.codePointAt(0)! - y.codePointAt(0)!);
  assert.equal(alphabet.length, 256);
  const merges: [string, string][] = [['a', 'b'], ['b', 'c'], ['ab', 'c'], ['a', 'bc'], ['Ġ', 'a']];
  const t = truncateBpe({ type: 'BPE', vocab: {}, merges }, 261);
  assert.equal(t.vocab[EOT], 0);
  assert.equal(t.vocab['!'], 1); // byte 33, the lowest code point of the alphabet
  assert.equal(t.vocab['c'], 1 + 99 - 33);
  assert.deepEqual([t.vocab.ab, t.vocab.bc, t.vocab.abc], [257, 258, 259]);
  // 'a' + 'bc' makes 'abc' again: the merge is kept, no new id; 'Ġa' gets the last id
  assert.deepEqual(t.merges, merges);
  assert.equal(t.vocab['Ġa'], 260);
  assert.equal(Object.keys(t.vocab).length, 261);
  const cut = truncateBpe({ type: 'BPE', vocab: {}, merges }, 258);
  assert.deepEqual(cut.merges, [['a', 'b']]);
  assert.equal(Object.keys(cut.vocab).length, 258);
  assert.throws(() => truncateBpe({ type: 'BPE', vocab: {}, merges }, 100), /below/);
});

test('trainByteLevelBpe: hand-computed merges of "ab ab ab abc", cut to 259 ids; any text round-trips', async () => {
  // words ab, Ġab, Ġab, Ġabc: (a,b) 4 times -> 'ab'; then (Ġ,ab) 3 -> 'Ġab'; then (Ġab,c) 1 -> 'Ġabc' (cut off)
  const tok = await trainByteLevelBpe(['ab ab ab abc'], 259, join(out, 'bpe'));
  assert.equal(tok.length, 259);
  const tj = JSON.parse(readFileSync(join(out, 'bpe', 'tokenizer.json'), 'utf8'));
  assert.deepEqual(tj.model.merges, [['a', 'b'], ['Ġ', 'ab']]);
  assert.deepEqual(await tok.tokenize('ab abc'), ['ab', 'Ġab', 'c']);
  assert.deepEqual(await tok.encode('ab abc'), [257, 258, 1 + 99 - 33]); // no special tokens added (GPT-2)
  assert.deepEqual([tok.eosTokenId, tok.bosTokenId, tok.eosToken], [0, 0, EOT]);
  // bytes never seen in training still encode: the whole byte alphabet is in the vocabulary
  const text = 'Zoë: “naïve” 🙂\n';
  assert.equal(tok.decode(await tok.encode(text)), text);
  assert.equal(tok.decode([258, 0], { skipSpecialTokens: true }), ' ab');
});
