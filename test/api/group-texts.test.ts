// groupTexts: HF's group_texts (run_clm.py / run_mlm.py / the course's chapter 7.3) — columns
// concatenated, cut into blocks, the remainder dropped, labels copied from input_ids.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { groupTexts } from '../../src/data/index.js';

test('concatenates, cuts into blocks, drops the remainder, labels copy input_ids', () => {
  const g = groupTexts({ input_ids: [[1, 2, 3], [4, 5, 6, 7]], attention_mask: [[1, 1, 1], [1, 1, 1, 1]], text: ['a', 'b'] }, 3);
  assert.deepEqual(g, { input_ids: [[1, 2, 3], [4, 5, 6]], attention_mask: [[1, 1, 1], [1, 1, 1]], labels: [[1, 2, 3], [4, 5, 6]] });
  g.labels![0]![0] = 99; // a copy, not the same rows
  assert.equal(g.input_ids![0]![0], 1);
  assert.deepEqual(groupTexts({ input_ids: [[1, 2]] }, 3), { input_ids: [], labels: [] }); // shorter than a block: no rows
});

test('add_labels: false and a separator after each text (causal LM with EOS between documents)', () => {
  const g = groupTexts({ input_ids: [[5, 6], [7, 8, 9]], attention_mask: [[1, 1], [1, 1, 1]], token_type_ids: [[0, 0], [1, 1, 1]] }, 2, { add_labels: false, separator: 0 });
  // stream 5 6 | 0 | 7 8 9 | 0 -> [5 6] [0 7] [8 9], the trailing separator dropped
  assert.deepEqual(g, { input_ids: [[5, 6], [0, 7], [8, 9]], attention_mask: [[1, 1], [1, 1], [1, 1]], token_type_ids: [[0, 0], [0, 1], [1, 1]] });
  assert.deepEqual(groupTexts({ input_ids: [[5, 6], [7, 8, 9]] }, 2, { addLabels: false, separator: 0 }), { input_ids: g.input_ids });
  assert.throws(() => groupTexts({ input_ids: [[1]] }, 0), /blockSize must be a positive integer, got 0/);
  assert.throws(() => groupTexts({ text: ['a'] }, 2), /no input_ids list column \(columns: text\)/);
  assert.throws(() => groupTexts({ input_ids: [[1, 2]], attention_mask: [[1]] }, 2), /row 0 of 'attention_mask' is not as long as its input_ids/);
  assert.throws(() => groupTexts({ input_ids: [[1]] }, 1, { add_label: false } as never), /did you mean 'add_labels'\?/);
});
