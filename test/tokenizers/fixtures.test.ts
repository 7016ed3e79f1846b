// Compares the five converted tokenizers with shared/fixtures/hf/tokenizers/*/reference.json
// (transformers 4.47.1 slow tokenizers over the real vocabularies): effective settings, 25
// encodings with their tokens and decodes, truncated/padded pairs, batch padding and pre-split words.
// Where HF's own fast tokenizer differs from its slow one, KNOWN pins the fast value and says why.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { NAMES, loadReference, readReference, type Name } from './load.js';

/** A documented slow-vs-fast difference of transformers itself: the fast value, and the reason. */
interface Known { reason: string; input_ids?: number[]; tokens?: string[]; decode?: string; decode_skip_special_tokens?: string }

const T5_DECODE = 'slow T5Tokenizer.convert_tokens_to_string puts a space before a special token (<unk>, </s>) that follows text and strips the result; the fast Metaspace decoder concatenates pieces as they are (huggingface/tokenizers#826, transformers#16334)';
const KNOWN: Partial<Record<Name, Record<string, Known>>> = {
  'bert-base-cased': {
    'combining accents: e\u0301 a\u0300 n\u0303 vs é à ñ': {
      reason: "slow BasicTokenizer NFC-normalizes before splitting; BertConverter's BertNormalizer (lowercase=False) has no NFC step, so decomposed accents stay separate",
      input_ids: [101, 12459, 9603, 1116, 131, 174, 28310, 100, 183, 28311, 5016, 255, 246, 263, 102],
      tokens: ['[CLS]', 'combining', 'accent', '##s', ':', 'e', '##\u0301', '[UNK]', 'n', '##\u0303', 'vs', 'é', 'à', 'ñ', '[SEP]'],
    },
  },
  llama2: {
    '   leading and trailing spaces   ': {
      reason: 'the fast Metaspace(prepend_scheme="first") adds no "▁" when the text already starts with a space, while slow LlamaTokenizer(legacy=False) always prefixes one (transformers#47487 / PR #47862)',
      input_ids: [1, 259, 8236, 322, 25053, 8162, 1678],
      tokens: ['<s>', '▁▁', '▁leading', '▁and', '▁trailing', '▁spaces', '▁▁▁'],
    },
  },
  t5: {
    'Hello, world! How\'s it going? (Fine.) -- "quoted" [brackets] {braces} a/b\\c': { reason: T5_DECODE, decode: 'Hello, world! How\'s it going? (Fine.) -- "quoted" [brackets] <unk>braces<unk> a/b<unk>c</s>' },
    'Café naïve résumé façade jalapeño Ångström': { reason: T5_DECODE, decode: 'Café na<unk>ve résumé façade jalape<unk>o <unk>ngström</s>' },
    'Zürich, Kraków, São Paulo, Reykjavík, Dvořák': { reason: T5_DECODE, decode: 'Zürich, Kraków, S<unk>o Paulo, Reykjav<unk>k, Dvo<unk>ák</s>' },
    '한국어 문장입니다': { reason: T5_DECODE, decode_skip_special_tokens: ' ' },
    'Emoji: 😀🎉👍🏽 and ❤️ flags 🇺🇸': { reason: T5_DECODE, decode_skip_special_tokens: 'Emoji:  and  flags ' },
    'Math: 3.14159 × 2 ≈ 6.28; x² + y² = z²; ½ ¼ ∑ ∞': {
      reason: T5_DECODE, decode: 'Math: 3.14159 <unk> 2 <unk> 6.28; x2 + y2 = z2; 1<unk>2 1<unk>4 <unk> <unk></s>', decode_skip_special_tokens: 'Math: 3.14159  2  6.28; x2 + y2 = z2; 12 14  ',
    },
    'combining accents: e\u0301 a\u0300 n\u0303 vs é à ñ': { reason: T5_DECODE, decode_skip_special_tokens: 'combining accents: é à  vs é à ' },
    'Special tokens in text: [CLS] [SEP] [MASK] </s> <s> <unk> <|endoftext|>': { reason: T5_DECODE, decode: 'Special tokens in text: [CLS] [SEP] [MASK]</s> <unk>s><unk> <unk>|endoftext|></s>' },
    'Ελληνικά και русский текст': { reason: T5_DECODE, decode_skip_special_tokens: '  русски текст' },
  },
};
/** longest_first with pairs: tokenizers' truncate_encodings halves max_length when both sides are long. */
const LONGEST_FIRST = 'slow truncate_sequences removes the odd token from the pair; tokenizers\' truncate_encodings (huggingface/tokenizers#389) gives it to the pair and cuts the first text to max_length // 2';
const KNOWN_PAIRS: Partial<Record<Name, Record<string, { reason: string; input_ids: number[] }>>> = {
  'bert-base-uncased': { 'What is the capital of France?': { reason: LONGEST_FIRST, input_ids: [101, 2054, 2003, 1996, 3007, 1997, 2605, 102, 3000, 2003, 1996, 3007, 1998, 2087, 20151, 102] } },
  'bert-base-cased': { 'What is the capital of France?': { reason: LONGEST_FIRST, input_ids: [101, 1327, 1110, 1103, 2364, 1104, 1699, 102, 2123, 1110, 1103, 2364, 1105, 1211, 22608, 102] } },
};

for (const name of NAMES) {
  const ref = readReference(name);

  test(`${name}: effective vocab size, max length, cleanup and special tokens`, async () => {
    const tok = await loadReference(name);
    const eff = ref.effective;
    assert.equal(tok.vocabSize, eff.vocab_size);
    assert.equal(tok.modelMaxLength, eff.model_max_length);
    assert.equal(tok.cleanUpTokenizationSpaces, eff.clean_up_tokenization_spaces);
    assert.equal(tok.truncationSide, eff.truncation_side);
    // LlamaTokenizerFast.padding_side = "left"; the slow LlamaTokenizer of the fixture pads right.
    assert.equal(tok.paddingSide, name === 'llama2' ? 'left' : eff.padding_side);
    if (eff.legacy !== undefined) assert.equal(tok.initConfig.legacy, eff.legacy);
    const got: Record<string, [string, number]> = {};
    for (const k of ['bos_token', 'eos_token', 'unk_token', 'sep_token', 'pad_token', 'cls_token', 'mask_token'] as const) {
      const t = tok.getSpecialToken(k);
      if (t !== null) got[k] = [t, tok.getSpecialTokenId(k)!];
    }
    assert.deepEqual(got, eff.special_tokens);
  });

  test(`${name}: 25 encodings (ids, masks, tokens, decodes) match HF`, async () => {
    const tok = await loadReference(name);
    let matched = 0;
    for (const e of ref.encodings) {
      const known = KNOWN[name]?.[e.text];
      const enc = await tok.call(e.text);
      const msg = `${name} ${JSON.stringify(e.text)}`;
      assert.deepEqual(enc.input_ids, known?.input_ids ?? e.input_ids, msg);
      // The fixture's tokens are convert_ids_to_tokens(ids); enc.tokens() keeps the source text of
      // unknown pieces (Unigram), as HF's BatchEncoding.tokens() does.
      assert.deepEqual(tok.convertIdsToTokens(enc.input_ids), known?.tokens ?? e.tokens, msg);
      assert.deepEqual(enc.attention_mask, enc.input_ids.map(() => 1), msg);
      if (e.token_type_ids) assert.deepEqual(enc.token_type_ids, known?.input_ids ? enc.input_ids.map(() => 0) : e.token_type_ids, msg);
      else assert.equal(enc.token_type_ids, undefined, msg);
      assert.equal(tok.decode(e.input_ids), known?.decode ?? e.decode, msg);
      assert.equal(tok.decode(e.input_ids, { skipSpecialTokens: true }), known?.decode_skip_special_tokens ?? e.decode_skip_special_tokens, msg);
      if (!known) matched++;
    }
    assert.equal(matched, ref.encodings.length - Object.keys(KNOWN[name] ?? {}).length);
  });

  test(`${name}: synchronous decode is tokenizers' own decode (+ cleanup)`, async () => {
    const tok = await loadReference(name);
    for (const e of ref.encodings) {
      for (const skip of [false, true]) {
        const native = await tok.backend.decode(e.input_ids, skip);
        assert.equal(tok.decode(e.input_ids, { skipSpecialTokens: skip, cleanUpTokenizationSpaces: false }), native, JSON.stringify(e.text));
      }
    }
  });

  test(`${name}: truncated (and padded) text pairs match HF`, async () => {
    const tok = await loadReference(name);
    for (const p of ref.pairs) {
      for (const key of ['only_second', 'only_second_padded', 'longest_first'] as const) {
        const c = p[key];
        if (!c) continue;
        const enc = await tok.call(p.text, { textPair: p.text_pair, truncation: c.kwargs.truncation, maxLength: c.kwargs.max_length, padding: c.kwargs.padding });
        const known = key === 'longest_first' ? KNOWN_PAIRS[name]?.[p.text] : undefined;
        const msg = `${name} ${key} ${p.text}`;
        assert.deepEqual(enc.input_ids, known?.input_ids ?? c.input_ids, msg);
        if (known) continue;
        assert.deepEqual(enc.attention_mask, c.attention_mask, msg);
        assert.deepEqual(tok.convertIdsToTokens(enc.input_ids), c.tokens, msg);
        if (c.token_type_ids) assert.deepEqual(enc.token_type_ids, c.token_type_ids, msg);
      }
    }
  });

  if (ref.batch_padding_longest) {
    const b = ref.batch_padding_longest;
    test(`${name}: batch padded to the longest matches HF`, async () => {
      const tok = await loadReference(name);
      const enc = await tok.call(b.texts, { padding: true });
      assert.deepEqual(enc.input_ids, b.input_ids);
      assert.deepEqual(enc.attention_mask, b.attention_mask);
      if (b.token_type_ids) assert.deepEqual(enc.token_type_ids, b.token_type_ids);
    });
  }

  if (ref.split_into_words) {
    const s = ref.split_into_words;
    test(`${name}: pre-split words give HF's ids, tokens and word ids`, async () => {
      const tok = await loadReference(name);
      const enc = await tok.call(s.words, { isSplitIntoWords: true });
      assert.deepEqual(enc.input_ids, s.input_ids);
      assert.deepEqual(enc.tokens(), s.tokens);
      assert.deepEqual(enc.wordIds(), s.word_ids);
    });
  }
}

test('gpt2: the shipped tokenizer.json and the vocab.json + merges.txt conversion agree', async () => {
  const { AutoTokenizer } = await import('../../src/tokenizers/index.js');
  const { sharedDir } = await import('../helpers.js');
  const shipped = await AutoTokenizer.fromPretrained(sharedDir('data', 'tokenizers', 'gpt2'));
  const converted = await loadReference('gpt2');
  assert.equal(shipped.spec.name, 'GPT2Tokenizer');
  assert.equal(shipped.modelMaxLength, 1024);
  // tokenizer_config.json turns cleanup on, unlike the class default the fixture used.
  assert.equal(shipped.cleanUpTokenizationSpaces, true);
  for (const e of readReference('gpt2').encodings) {
    assert.deepEqual((await shipped.call(e.text)).input_ids, e.input_ids, e.text);
    assert.equal(shipped.decode(e.input_ids, { cleanUpTokenizationSpaces: false }), e.decode);
    assert.equal(converted.decode(e.input_ids), e.decode);
  }
});
