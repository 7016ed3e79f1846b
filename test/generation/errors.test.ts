// errors.test.ts — generate() refuses bad input before the first forward, with a message that
// names the problem: prompts longer than the model's positions, ids outside the vocabulary,
// num_beams < num_return_sequences, unknown options (with the closest name), shapes and dtypes,
// options it does not implement, models it cannot drive.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { join } from 'node:path';
import * as torch from '../../src/torch/index.js';
import { AutoModelForCausalLM, LlamaConfig, LlamaForCausalLM, LlamaModel, ConfigError, type PreTrainedModel } from '../../src/models/index.js';
import { generate, TextStreamer } from '../../src/generation/index.js';
import { sharedDir } from '../helpers.js';

const MODELS = sharedDir('fixtures', 'hf', 'models');
const ids = (rows: number[][]): torch.Tensor => torch.tensor(rows, { dtype: 'int64' });
const P = [[100, 110, 161, 134, 118]];

let llama: PreTrainedModel;
let gpt2: PreTrainedModel;
const ready = (async () => {
  llama = await AutoModelForCausalLM.fromPretrained(join(MODELS, 'llama_lm'));
  gpt2 = await AutoModelForCausalLM.fromPretrained(join(MODELS, 'gpt2_lm'));
})();

test('a prompt longer than max_position_embeddings', async () => {
  await ready;
  const long = [Array.from({ length: 65 }, (_, i) => i % 200)];
  assert.throws(() => llama.generate({ input_ids: ids(long), max_new_tokens: 2 }),
    /LlamaForCausalLM\.generate\(\): the prompt has 65 tokens \(input_ids \[1, 65\]\) but the model takes at most 64 positions \(max_position_embeddings 64\)/);
  // a learned position table (GPT-2's wpe): prompt + new tokens must fit too
  assert.throws(() => gpt2.generate({ input_ids: ids([long[0]!.slice(0, 60)]), max_new_tokens: 10 }),
    /prompt \(60 tokens\) \+ 10 new tokens = 70 positions exceed max_position_embeddings 64 .* lower max_new_tokens to 4/);
  assert.equal(torch.tidy(() => gpt2.generate({ input_ids: ids([long[0]!.slice(0, 60)]), max_new_tokens: 4, pad_token_id: 0 }).size(1)), 64);
});

test('token ids outside the vocabulary', async () => {
  await ready;
  assert.throws(() => llama.generate({ input_ids: ids([[1, 256, 3]]) }), /input_ids\[0\]\[1\] = 256 is not a token id of this model: ids must lie in \[0, vocab_size\) = \[0, 256\)/);
  assert.throws(() => llama.generate({ input_ids: ids([[1, 2], [-1, 2]]) }), /input_ids\[1\]\[0\] = -1/);
});

test('num_beams < num_return_sequences names both', async () => {
  await ready;
  assert.throws(() => llama.generate({ input_ids: ids(P), num_beams: 2, num_return_sequences: 3 }),
    (e: Error) => e instanceof ConfigError && /num_return_sequences \(3\) has to be smaller or equal to num_beams \(2\)/.test(e.message));
  assert.throws(() => llama.generate({ input_ids: ids(P), num_return_sequences: 2 }), /greedy decoding .* num_return_sequences is 2/);
});

test('unknown options are errors naming the closest option', async () => {
  await ready;
  const call = (o: Record<string, unknown>): unknown => generate(llama, { input_ids: ids(P), ...o } as never);
  assert.throws(() => call({ max_new_token: 3 }), /generate\(\): unknown option 'max_new_token' \(did you mean 'max_new_tokens'\?\)/);
  assert.throws(() => call({ topK: 3, tempreature: 2 }), /unknown option 'tempreature' \(did you mean 'temperature'\?\)/);
  assert.throws(() => call({ atention_mask: ids(P) }), /did you mean 'attention_mask'/);
  assert.throws(() => call({ frobnicate: true }), /unknown option 'frobnicate'$/);
  assert.throws(() => call({ inputs_embeds: ids(P) }), /unsupported option 'inputs_embeds': generate\(\) takes input_ids/);
  assert.throws(() => call({ maxNewTokens: 2, max_new_tokens: 3 }), /'maxNewTokens' and 'max_new_tokens' are the same option/);
  assert.throws(() => generate(llama, ids(P) as never), /expected an object of options .* got a tensor/);
});

test('bad shapes, dtypes and lengths', async () => {
  await ready;
  assert.throws(() => llama.generate({ input_ids: torch.tensor([1, 2, 3], { dtype: 'int64' }) }), /input_ids must be \(B, T\), got shape \[3\] \(add a batch dimension: unsqueeze\(0\)\)/);
  assert.throws(() => llama.generate({ input_ids: torch.tensor([[1, 2]], { dtype: 'float32' }) }), /input_ids must be an int64 tensor of token ids, got float32/);
  assert.throws(() => llama.generate({ input_ids: ids(P), attention_mask: ids([[1, 1, 1]]) }), /attention_mask has shape \[1, 3\] but input_ids has \[1, 5\]/);
  assert.throws(() => llama.generate({ input_ids: ids(P), attention_mask: ids([[0, 0, 0, 0, 0]]) }), /attention_mask row 0 has no token/);
  assert.throws(() => llama.generate({ input_ids: ids(P), attention_mask: ids([[2, 1, 1, 1, 1]]) }), /attention_mask row 0 holds values other than 0 and 1/);
  assert.throws(() => llama.generate({ input_ids: ids(P), max_length: 5 }), /input_ids has 5 tokens but max_length is 5: nothing to generate/);
  assert.throws(() => llama.generate({ input_ids: ids(P), do_sample: true, temperature: 0 }), /temperature must be > 0 when sampling/);
  assert.throws(() => llama.generate({ input_ids: ids(P), top_p: 1.5 }), /top_p must be a number in \(0, 1\], got 1.5/);
});

test('what generate() does not do is refused by name', async () => {
  await ready;
  assert.throws(() => llama.generate({ input_ids: ids(P), penalty_alpha: 0.6, top_k: 4 }), /penalty_alpha = 0.6 is not supported/);
  assert.throws(() => llama.generate({ input_ids: ids(P), num_beams: 4, num_beam_groups: 2 }), /group beam search/);
  assert.throws(() => llama.generate({ input_ids: ids(P), cache_implementation: 'offloaded' }), /cache_implementation 'offloaded' is not supported \(tunekit has 'dynamic' and 'static'\)/);
  const tok = { decode: (x: readonly number[]) => x.join(' ') };
  assert.throws(() => llama.generate({ input_ids: ids(P), num_beams: 2, streamer: new TextStreamer(tok) }), /a streamer cannot be used with beam search/);
  const base = new LlamaModel(new LlamaConfig({ vocab_size: 16, hidden_size: 8, intermediate_size: 16, num_hidden_layers: 1, num_attention_heads: 2 }));
  assert.throws(() => generate(base, { input_ids: ids([[1, 2]]), max_new_tokens: 2 }), /LlamaModel\.generate\(\): the model's forward returned no \(B, T, V\) logits; generate\(\) needs a causal-LM head/);
  const encdec = new LlamaForCausalLM(new LlamaConfig({ vocab_size: 16, hidden_size: 8, intermediate_size: 16, num_hidden_layers: 1, num_attention_heads: 2, is_encoder_decoder: true }));
  assert.throws(() => encdec.generate({ input_ids: ids([[1, 2]]) }), /config\.is_encoder_decoder is true but the model has no getEncoder\(\)/);
  assert.throws(() => generate(llama, { input_ids: ids(P), generation_config: { max_new_tokens: 2 } as never }), /generation_config must be a GenerationConfig/);
});

test('an error leaves no tensor behind', async () => {
  await ready;
  const input = ids(P);
  const live = torch.liveTensorCount();
  const boom = { call: (): torch.Tensor => { throw new Error('boom'); } };
  assert.throws(() => llama.generate({ input_ids: input, max_new_tokens: 3, logits_processor: [boom] }), /boom/);
  assert.throws(() => llama.generate({ input_ids: input, max_new_tokens: 3, num_beams: 2, logits_processor: [boom] }), /boom/);
  assert.equal(torch.liveTensorCount(), live);
  input.dispose();
});
