// Collators the HF way: `collator(features)` as well as `.collate` / `.call`, instanceof intact,
// constructor options under HF's names (pad_to_multiple_of, mlm_probability, label_pad_token_id)
// or camelCase with identical batches, the tokenizer as HF's positional first argument, typos named.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { inspect } from 'node:util';
import type { Tensor } from '../../src/torch/index.js';
import {
  DataCollatorForLanguageModeling, DataCollatorForSeq2Seq, DataCollatorForTokenClassification, DataCollatorForWholeWordMask,
  DataCollatorWithPadding, DataLoader, defaultDataCollator, type Batch,
} from '../../src/data/index.js';
import { tinyTokenizer } from '../pipelines/tiny.js';

const rows = (b: Batch): Record<string, unknown> => Object.fromEntries(Object.entries(b).map(([k, t]) => [k, (t as Tensor).toArray()]));
const feats = [{ input_ids: [2, 16, 19, 3], label: 1 }, { input_ids: [2, 17, 3], label: 0 }];

test('DataCollatorWithPadding: callable, instanceof, snake / camel / positional identical', async () => {
  const tokenizer = await tinyTokenizer();
  const c = new DataCollatorWithPadding({ tokenizer, pad_to_multiple_of: 8 });
  assert.equal(typeof c, 'function');
  assert.ok(c instanceof DataCollatorWithPadding);
  const viaCall = rows(c(feats));
  assert.deepEqual(Object.keys(viaCall), ['input_ids', 'attention_mask', 'labels']);
  assert.deepEqual(viaCall.input_ids, [[2, 16, 19, 3, 0, 0, 0, 0], [2, 17, 3, 0, 0, 0, 0, 0]]);
  assert.deepEqual(viaCall.attention_mask, [[1, 1, 1, 1, 0, 0, 0, 0], [1, 1, 1, 0, 0, 0, 0, 0]]);
  assert.deepEqual(viaCall.labels, [1, 0]);
  assert.deepEqual(rows(c.collate(feats)), viaCall);
  assert.deepEqual(rows(c.call(feats)), viaCall);
  assert.deepEqual(rows(new DataCollatorWithPadding({ tokenizer, padToMultipleOf: 8 })(feats)), viaCall);
  assert.deepEqual(rows(new DataCollatorWithPadding(tokenizer, { pad_to_multiple_of: 8 })(feats)), viaCall);
  // positional alone: HF's DataCollatorWithPadding(tokenizer), padding to the longest row
  assert.deepEqual(rows(new DataCollatorWithPadding(tokenizer)(feats)).input_ids, [[2, 16, 19, 3], [2, 17, 3, 0]]);
  assert.deepEqual(rows(new DataCollatorWithPadding({ tokenizer, padding: 'max_length', max_length: 6 })(feats)).input_ids, [[2, 16, 19, 3, 0, 0], [2, 17, 3, 0, 0, 0]]);
  assert.match(inspect(c), /^DataCollatorWithPadding \{/);
  // a DataLoader takes the callable collator as its collateFn
  const loader = new DataLoader(feats, { batchSize: 2, collateFn: c });
  assert.deepEqual(rows([...loader][0]!), viaCall);
});

test('DataCollatorForLanguageModeling: mlm_probability and mlmProbability give the same masks; the value is used', async () => {
  const tokenizer = await tinyTokenizer();
  const mlmRows = Array.from({ length: 4 }, (_, i) => ({ input_ids: [2, 9 + i, 10, 11, 12 + i, 13, 3] }));
  const snake = rows(new DataCollatorForLanguageModeling({ tokenizer, mlm_probability: 0.5, seed: 7 })(mlmRows));
  const camel = rows(new DataCollatorForLanguageModeling({ tokenizer, mlmProbability: 0.5, seed: 7 })(mlmRows));
  assert.deepEqual(snake, camel);
  // probability 1: every non-special token is predicted; 0: none
  const all = rows(new DataCollatorForLanguageModeling(tokenizer, { mlm_probability: 1, seed: 1 })(mlmRows));
  assert.deepEqual(all.labels, mlmRows.map((r) => r.input_ids.map((t) => (t === 2 || t === 3 ? -100 : t))));
  const none = rows(new DataCollatorForLanguageModeling({ tokenizer, mlm_probability: 0 })(mlmRows));
  assert.deepEqual(none.labels, mlmRows.map((r) => r.input_ids.map(() => -100)));
  // causal LM labels under HF's keyword
  const clm = new DataCollatorForLanguageModeling({ tokenizer, mlm: false, pad_to_multiple_of: 8 });
  assert.deepEqual(rows(clm([{ input_ids: [2, 9, 3] }])).labels, [[2, 9, 3, -100, -100, -100, -100, -100]]);
  const wwm = new DataCollatorForWholeWordMask({ tokenizer, mlm_probability: 1, seed: 0 });
  assert.ok(wwm instanceof DataCollatorForLanguageModeling && wwm instanceof DataCollatorForWholeWordMask);
  assert.deepEqual(rows(wwm(mlmRows)).labels, all.labels);
  assert.throws(() => new DataCollatorForLanguageModeling({ tokenizer, mlm_probabilty: 0.2 } as never),
    (e: unknown) => e instanceof TypeError && e.message === "DataCollatorForLanguageModeling(): unknown option 'mlm_probabilty' — did you mean 'mlm_probability'?");
  assert.throws(() => new DataCollatorForLanguageModeling({ tokenizer, mlm_probability: 0.2, mlmProbability: 0.3 }), /same option, given different values/);
  assert.throws(() => new DataCollatorForLanguageModeling({ mlm: false } as never), /a tokenizer is required/);
});

test('token-classification and seq2seq collators: label_pad_token_id in either spelling', async () => {
  const tokenizer = await tinyTokenizer();
  const tok = [{ input_ids: [2, 16, 3], labels: [-100, 1, -100] }, { input_ids: [2, 3], labels: [-100, -100] }];
  const a = rows(new DataCollatorForTokenClassification({ tokenizer, label_pad_token_id: -1 })(tok));
  assert.deepEqual(a.labels, [[-100, 1, -100], [-100, -100, -1]]);
  assert.deepEqual(rows(new DataCollatorForTokenClassification({ tokenizer, labelPadTokenId: -1 })(tok)), a);
  assert.deepEqual(rows(new DataCollatorForTokenClassification(tokenizer, { label_pad_token_id: -1 })(tok)), a);
  const s2s = [{ input_ids: [2, 16, 3], labels: [5, 3] }, { input_ids: [2, 3], labels: [6, 7, 3] }];
  const b = rows(new DataCollatorForSeq2Seq({ tokenizer, label_pad_token_id: -7, pad_to_multiple_of: 4 })(s2s));
  assert.deepEqual(b.labels, [[5, 3, -7, -7], [6, 7, 3, -7]]);
  assert.deepEqual(rows(new DataCollatorForSeq2Seq(tokenizer, { labelPadTokenId: -7, padToMultipleOf: 4 })(s2s)), b);
  assert.throws(() => new DataCollatorForSeq2Seq({ tokenizer, label_pad_token: -1 } as never), /unknown option 'label_pad_token' — did you mean 'label_pad_token_id'\?/);
});

test('defaultDataCollator: label_dtype / labelDtype and return_tensors', () => {
  const f = [{ input_ids: [1, 2], label: 1 }, { input_ids: [3, 4], label: 2 }];
  assert.equal(defaultDataCollator(f).labels!.dtype, 'int64');
  assert.equal(defaultDataCollator(f, { label_dtype: 'float32' }).labels!.dtype, 'float32');
  assert.equal(defaultDataCollator(f, { labelDtype: 'float32' }).labels!.dtype, 'float32');
  assert.deepEqual(defaultDataCollator(f, 'pt').input_ids!.toArray(), [[1, 2], [3, 4]]);
  assert.throws(() => defaultDataCollator(f, { return_tensors: 'np' } as never), /Framework 'np' not recognized/);
  assert.throws(() => defaultDataCollator(f, { label_dtyp: 'float32' } as never), /did you mean 'label_dtype'\?/);
});
