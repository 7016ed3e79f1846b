// examples/clm/bpe.ts — a new byte-level BPE tokenizer trained on a corpus, as the HF course's
// chapter 6.2 does with `AutoTokenizer.from_pretrained('gpt2').train_new_from_iterator(corpus, V)`:
// GPT-2's pipeline (ByteLevel pre-tokenizer / post-processor / decoder, no normalizer), the 256
// byte symbols as the initial alphabet, `<|endoftext|>` as id 0 and as bos/eos/unk.
// The Node binding of `tokenizers` (0.23) trains only with the model's default BpeTrainer (vocab
// 30,000, no special tokens, no initial alphabet; there is no BpeTrainer constructor), so the
// trainer runs to its default size and the result is cut here: BPE training is greedy, so the
// first K merges of a longer run are the merges of a run that stops after K.
import { mkdirSync, rmSync, writeFileSync, readFileSync } from 'node:fs';
import { join } from 'node:path';
import { BPE, Tokenizer, byteLevelAlphabet, byteLevelPreTokenizer } from 'tokenizers';
import { AutoTokenizer, type PreTrainedTokenizerFast } from '../../src/tokenizers/index.js';

/** GPT-2's special token, used as bos, eos and unk (and as pad by the causal-LM collator). */
export const EOT = '<|endoftext|>';

/** The model section of a trained BPE tokenizer.json (merges as pairs, the format of tokenizers >= 0.20). */
export interface BpeModelJson { type: 'BPE'; vocab: Record<string, number>; merges: [string, string][]; [k: string]: unknown }

/**
 * The vocabulary a trainer with `special_tokens=[EOT]`, `initial_alphabet=ByteLevel.alphabet()` and
 * `vocab_size` would produce, from the merges of a longer run: EOT = 0, the 256 byte symbols in
 * code-point order (the trainer's order), then each merge's result in merge order (a result that
 * already exists adds no id, as in the trainer) until `vocabSize` ids; the merges stop there too.
 * @example truncateBpe({ type: 'BPE', vocab, merges: [['a', 'b'], ['Ġ', 'ab']] }, 258) // 1 + 256 + 'ab'
 */
export function truncateBpe(model: BpeModelJson, vocabSize: number): BpeModelJson {
  const alphabet = [...byteLevelAlphabet()].sort((a, b) => a.codePointAt(0)! - b.codePointAt(0)!);
  if (vocabSize < 1 + alphabet.length) throw new Error(`vocab size ${vocabSize} is below 1 special + ${alphabet.length} byte symbols`);
  const vocab: Record<string, number> = { [EOT]: 0 };
  let next = 1;
  for (const c of alphabet) vocab[c] = next++;
  const merges: [string, string][] = [];
  for (const [a, b] of model.merges) {
    if (next >= vocabSize) break;
    if (!(a in vocab) || !(b in vocab)) throw new Error(`merge ${a} ${b} uses a symbol outside the byte-level alphabet`);
    merges.push([a, b]);
    if (!((a + b) in vocab)) vocab[a + b] = next++;
  }
  return { ...model, vocab, merges };
}

/**
 * Trains a GPT-2-style byte-level BPE of `vocabSize` ids on `texts` and saves it to `dir`
 * (tokenizer.json, tokenizer_config.json with bos = eos = unk = EOT); returns it loaded with
 * AutoTokenizer.  Deterministic: the same texts give the same merges.  The size is at most what
 * the default trainer reaches (30,000, or fewer when the corpus runs out of pairs).
 */
export async function trainByteLevelBpe(texts: readonly string[], vocabSize: number, dir: string): Promise<PreTrainedTokenizerFast> {
  mkdirSync(dir, { recursive: true });
  const corpus = join(dir, 'corpus.txt');
  writeFileSync(corpus, texts.join('\n'));
  const trainer = new Tokenizer(BPE.empty());
  trainer.setPreTokenizer(byteLevelPreTokenizer(false, true));
  trainer.train([corpus]);
  const rawPath = join(dir, 'untruncated.json');
  trainer.save(rawPath);
  const raw = JSON.parse(readFileSync(rawPath, 'utf8')) as { model: BpeModelJson };
  rmSync(corpus);
  rmSync(rawPath);

  const byteLevel = { add_prefix_space: false, trim_offsets: true, use_regex: true };
  const json = {
    version: '1.0', truncation: null, padding: null,
    added_tokens: [{ id: 0, content: EOT, single_word: false, lstrip: false, rstrip: false, normalized: true, special: true }],
    normalizer: null,
    pre_tokenizer: { type: 'ByteLevel', ...byteLevel },
    post_processor: { type: 'ByteLevel', ...byteLevel, trim_offsets: false },
    decoder: { type: 'ByteLevel', ...byteLevel },
    model: { ...truncateBpe(raw.model, vocabSize), continuing_subword_prefix: null, end_of_word_suffix: null },
  };
  writeFileSync(join(dir, 'tokenizer.json'), JSON.stringify(json));
  writeFileSync(join(dir, 'tokenizer_config.json'), JSON.stringify({
    tokenizer_class: 'GPT2Tokenizer', bos_token: EOT, eos_token: EOT, unk_token: EOT, add_prefix_space: false,
    model_max_length: 1024, clean_up_tokenization_spaces: false,
  }, null, 2));
  return AutoTokenizer.fromPretrained(dir);
}
