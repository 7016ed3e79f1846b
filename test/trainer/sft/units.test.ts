// units.test.ts — the parts of tunekit's SFT that need no model: TRL's packer and collator on the
// examples of TRL's own docstrings (trl 1.13 data_utils.pack_dataset, sft_trainer
// DataCollatorForLanguageModeling), SFTConfig's defaults against TRL's (fixture written by
// scripts/fixtures/gen_sft_trl.py), and the row checks with their messages.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import { DataCollatorForLanguageModeling, SFTConfig, packDataset, rowFormat, convertToChatml, isConversational, TrainingArguments } from '../../../src/trainer/index.js';

const FIX = join(import.meta.dirname, '../../fixtures/sft');
const arr = (t: { toArray(): unknown }) => t.toArray();

test('packDataset: TRL docstring examples (bfd, bfd_split, wrapped)', () => {
  const rows = [
    { input_ids: [1, 2, 3, 4, 5], attention_mask: [1, 1, 1, 0, 0] },
    { input_ids: [6, 7], attention_mask: [1, 0] },
    { input_ids: [8, 9, 10], attention_mask: [1, 1, 0] },
    { input_ids: [11], attention_mask: [1] },
  ];
  assert.deepEqual(packDataset(rows, 4, 'bfd'), [
    { input_ids: [1, 2, 3, 4], attention_mask: [1, 1, 1, 0], seq_lengths: [4] },
    { input_ids: [8, 9, 10, 11], attention_mask: [1, 1, 0, 1], seq_lengths: [3, 1] },
    { input_ids: [6, 7], attention_mask: [1, 0], seq_lengths: [2] },
  ]);
  assert.deepEqual(packDataset(rows, 4, 'bfd_split'), [
    { input_ids: [1, 2, 3, 4], attention_mask: [1, 1, 1, 0], seq_lengths: [4] },
    { input_ids: [8, 9, 10, 5], attention_mask: [1, 1, 0, 0], seq_lengths: [3, 1] },
    { input_ids: [6, 7, 11], attention_mask: [1, 0, 1], seq_lengths: [2, 1] },
  ]);
  assert.deepEqual(packDataset([{ input_ids: [1, 2, 3] }, { input_ids: [4, 5, 6, 7] }, { input_ids: [8] }], 3, 'wrapped'), [
    { input_ids: [1, 2, 3] }, { input_ids: [4, 5, 6] }, { input_ids: [7, 8] },
  ]);
  assert.throws(() => packDataset(rows, 4, 'greedy' as never), /Invalid packing strategy 'greedy'/);
  assert.throws(() => packDataset([{ input_ids: [1, 2], labels: [1] }], 4), /row 0: column 'labels' has 1 values but 'input_ids' has 2/);
});

test('packDataset: best fit picks the fullest bin that still fits, bins never exceed seq_length, nothing is lost', () => {
  // lengths 5, 4, 3, 3, 2, 1 into 8: 5+3 (exact), 4+3+1 (exact), 2
  const rows = [5, 4, 3, 3, 2, 1].map((n, r) => ({ input_ids: Array.from({ length: n }, (_, i) => r * 10 + i) }));
  const packed = packDataset(rows, 8);
  assert.deepEqual(packed.map((p) => p.seq_lengths), [[5, 3], [4, 3, 1], [2]]);
  const seen = packed.flatMap((p) => p.input_ids!).sort((a, b) => a - b);
  assert.deepEqual(seen, rows.flatMap((r) => r.input_ids).sort((a, b) => a - b));
  // rows are packed 1000 at a time (datasets.map's batch): 1001 rows of 1 token at seq_length 2000 -> 2 rows
  const many = packDataset(Array.from({ length: 1001 }, (_, i) => ({ input_ids: [i] })), 2000);
  assert.deepEqual(many.map((p) => p.seq_lengths!.length), [1000, 1]);
});

test('DataCollatorForLanguageModeling: TRL docstring examples (padded, prebuilt labels, padding-free)', () => {
  const c = new DataCollatorForLanguageModeling({ pad_token_id: 0 });
  const a = c.collate([{ input_ids: [1, 2, 3] }, { input_ids: [4, 5] }]);
  assert.deepEqual(Object.keys(a), ['input_ids', 'labels', 'attention_mask']);
  assert.deepEqual(arr(a.input_ids!), [[1, 2, 3], [4, 5, 0]]);
  assert.deepEqual(arr(a.attention_mask!), [[1, 1, 1], [1, 1, 0]]);
  assert.deepEqual(arr(a.labels!), [[1, 2, 3], [4, 5, -100]]);
  assert.equal(a.input_ids!.dtype, 'int64');
  const ex = [{ input_ids: [1, 2, 3], labels: [-100, 2, 3] }, { input_ids: [4, 5], labels: [-100, 5] }];
  assert.deepEqual(arr(c.collate(ex).labels!), [[-100, 2, 3], [-100, 5, -100]]);
  const pf = new DataCollatorForLanguageModeling({ pad_token_id: 0, padding_free: true }).collate(ex);
  assert.deepEqual(Object.keys(pf), ['input_ids', 'labels', 'position_ids']);
  assert.deepEqual(arr(pf.input_ids!), [[1, 2, 3, 4, 5]]);
  assert.deepEqual(arr(pf.position_ids!), [[0, 1, 2, 0, 1]]);
  assert.deepEqual(arr(pf.labels!), [[-100, 2, 3, -100, 5]]);
  // packed rows: positions restart at every sequence of seq_lengths; pad_to_multiple_of pads with position 0 / label -100
  const packed = new DataCollatorForLanguageModeling({ pad_token_id: 9, padding_free: true, pad_to_multiple_of: 4 })
    .collate([{ input_ids: [1, 2, 3, 4, 5], labels: [1, 2, 3, 4, 5], seq_lengths: [3, 2] }]);
  assert.deepEqual(arr(packed.input_ids!), [[1, 2, 3, 4, 5, 9, 9, 9]]);
  assert.deepEqual(arr(packed.position_ids!), [[0, 1, 2, 0, 1, 0, 0, 0]]);
  assert.deepEqual(arr(packed.labels!), [[-100, 2, 3, -100, 5, -100, -100, -100]]);
  assert.throws(() => new DataCollatorForLanguageModeling({ pad_token_id: 0, padding_fre: true } as never), /unknown option 'padding_fre'/);
  assert.throws(() => c.collate([{ input_ids: [1, 2], labels: [1] }]), /examples\[0\] has 2 input_ids but 1 labels/);
});

test("SFTConfig: TRL 1.13's defaults (every SFT field and the overridden TrainingArguments ones)", () => {
  // SFTConfig(output_dir, use_cpu=True).to_dict() of trl 1.13 (a bare SFTConfig refuses bf16 without a GPU in Python)
  // (to_dict masks every *_token field as "<EOS_TOKEN>" ...: those two come from the declared defaults)
  const fx = JSON.parse(readFileSync(join(FIX, 'sft_config_defaults.json'), 'utf8')) as { to_dict_use_cpu: Record<string, unknown>; field_defaults: Record<string, unknown> };
  const trl: Record<string, unknown> = { ...fx.to_dict_use_cpu, eos_token: fx.field_defaults.eos_token, pad_token: fx.field_defaults.pad_token };
  const ours = new SFTConfig({ output_dir: 'x' }).toDict();
  const fields = ['learning_rate', 'logging_steps', 'gradient_checkpointing', 'bf16', 'loss_type', 'model_init_kwargs', 'chat_template_path',
    'dataset_text_field', 'dataset_kwargs', 'dataset_num_proc', 'eos_token', 'max_length', 'truncation_mode', 'shuffle_dataset', 'packing',
    'packing_strategy', 'padding_free', 'pad_to_multiple_of', 'eval_packing', 'completion_only_loss', 'assistant_only_loss', 'pad_token', 'router_aux_loss_coef'];
  for (const f of fields) assert.deepEqual(ours[f], trl[f], f);
  const fp16 = new SFTConfig({ output_dir: 'x', fp16: true });
  assert.equal(fp16.bf16, false, 'bf16 defaults to "not fp16"');
  assert.equal(new SFTConfig({ output_dir: 'x', packing_strategy: 'bfd-requeue' }).packing_strategy, 'bfd_split');
  assert.throws(() => new SFTConfig({ output_dir: 'x', max_lenght: 5 } as never), /unknown field 'max_lenght' \(did you mean 'max_length'\?\)/);
  assert.throws(() => new SFTConfig({ output_dir: 'x', packing_strategy: 'first_fit' as never }), /packing_strategy must be one of/);
  assert.throws(() => new SFTConfig({ output_dir: 'x', activation_offloading: true as never }), /trl SFTConfig field that tunekit does not implement/);
  // TrainingArguments refuse SFT fields; SFTConfig round-trips through its dict and replace()
  assert.throws(() => new TrainingArguments({ output_dir: 'x', packing: true } as never), /unknown field 'packing'/);
  const c = new SFTConfig({ output_dir: 'x', max_length: 64, packing: true });
  assert.ok(c.replace({ seed: 3 }) instanceof SFTConfig);
  assert.equal(SFTConfig.fromDict(c.toDict()).max_length, 64);
});

test('row formats as TRL detects them; malformed rows are errors naming the row', () => {
  const w = 'SFTTrainer (train dataset)';
  assert.equal(rowFormat({ text: 'a' }, 0, 'text', w), 'language_modeling');
  assert.equal(rowFormat({ prompt: 'a', completion: 'b' }, 0, 'text', w), 'prompt_completion');
  assert.equal(rowFormat({ messages: [{ role: 'user', content: 'hi' }] }, 0, 'text', w), 'conversational');
  assert.equal(rowFormat({ prompt: [{ role: 'user', content: 'a' }], completion: [{ role: 'assistant', content: 'b' }] }, 0, 'text', w), 'conversational_prompt_completion');
  assert.throws(() => rowFormat({ question: 'q', answer: 'a' }, 7, 'text', w), /row 7 has neither 'text'.*its keys are \["question","answer"\]/);
  assert.throws(() => rowFormat({ messages: [{ role: 'narrator', content: 'x' }] }, 3, 'text', w), /row 3: messages\[0\] has the unknown role 'narrator'/);
  assert.throws(() => rowFormat({ prompt: 'a', completion: [{ role: 'assistant', content: 'b' }] }, 2, 'text', w), /row 2: 'prompt' and 'completion' must both be strings/);
  assert.deepEqual(convertToChatml({ conversations: [{ from: 'user', value: 'hi' }] }), { messages: [{ role: 'user', content: 'hi' }] });
  assert.equal(isConversational({ prompt: 'The sky is' }), false);
  assert.equal(isConversational({ prompt: [{ role: 'user', content: 'What color is the sky?' }] }), true);
});
