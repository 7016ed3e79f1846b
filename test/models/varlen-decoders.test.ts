// varlen-decoders.test.ts — packed rows (TRL's padding-free batches) through the varlen attention
// path (src/nn/varlen.ts, chosen by decoderStep in src/models/causal-lm.ts on the CPU): which path a
// step takes (cu_seqlens vs the block-diagonal mask, by sliding window), and on tiny random Llama
// (grouped-query heads), GPT-2 and GPT-Neo (local layers) that varlen == the mask path == each
// sequence alone: logits, loss and every parameter gradient (1e-5), also with gradient checkpointing;
// and that changing one sequence leaves the others' logits bitwise equal.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import * as torch from '../../src/torch/index.js';
import { setVarlenAttention, cuSeqlensOnHost } from '../../src/nn/index.js';
import {
  GPT2Config, GPT2LMHeadModel, GPTNeoConfig, GPTNeoForCausalLM, LlamaConfig, LlamaForCausalLM, MistralConfig, MistralForCausalLM, decoderStep, type PreTrainedModel,
} from '../../src/models/index.js';
import { assertClose } from '../helpers.js';

const long = (rows: number[][]): torch.Tensor => torch.tensor(rows, { dtype: 'int64' });
const TOL = { rtol: 1e-5, atol: 1e-5 };

/** Runs fn with the varlen path on or off, restoring the setting. */
function withVarlen<T>(on: boolean, fn: () => T): T {
  const was = setVarlenAttention(on);
  try { return fn(); } finally { setVarlenAttention(was); }
}

test('decoderStep: packed rows on the CPU hand their cu_seqlens in place of the mask, unless a window is shorter than a sequence', () => {
  torch.tidy(() => {
    const ids = torch.zeros([2, 6], { dtype: 'int64' });
    const pos = long([[0, 1, 2, 0, 1, 0], [0, 1, 0, 1, 2, 3]]);
    const step = decoderStep({ input_ids: ids, position_ids: pos }, 2, 6);
    const full = step.attentionFor(null);
    assert.deepEqual([full.mask!.shape, full.isCausal, full.eager], [[6], false, false]);
    assert.deepEqual(cuSeqlensOnHost(full.mask!), [0, 3, 5, 6, 8, 12]);
    assert.equal(step.attentionFor(4).mask, full.mask, 'a window as long as the longest sequence (4) changes nothing');
    assert.deepEqual(step.attentionFor(3).mask!.shape, [2, 1, 6, 6], 'a shorter window keeps the block-diagonal mask');
    // switched off: the block-diagonal mask
    const off = withVarlen(false, () => decoderStep({ input_ids: ids, position_ids: pos }, 2, 6).attentionFor(null));
    assert.deepEqual(off.mask!.shape, [2, 1, 6, 6]);
    // not packed: the plain causal fast path, as before
    const plain = decoderStep({ input_ids: ids, position_ids: long([[0, 1, 2, 3, 4, 5]]) }, 2, 6).attentionFor(null);
    assert.deepEqual([plain.mask, plain.isCausal], [null, true]);
  });
});

// Five sequences in two rows of 12: row 0 = s0 s1 s2, row 1 = s3 s4 + 2 padding tokens (position 0
// each, TRL's pad_to_multiple_of); s1 and s4 have the same length (one batched call).
const SEQS = [[5, 17, 33, 9, 60], [44, 3, 58, 21], [27, 15, 6], [8, 12, 50, 31, 40, 11], [19, 7, 36, 2]];
const ROWS = [[0, 1, 2], [3, 4]];
const T = 12, PAD = 0;
function pack(seqs: number[][]): { input_ids: torch.Tensor; position_ids: torch.Tensor; labels: torch.Tensor; at: [number, number][] } {
  const ids: number[][] = [], pos: number[][] = [], at: [number, number][] = [];
  ROWS.forEach((row, b) => {
    const r: number[] = [], p: number[] = [];
    for (const s of row) { at[s] = [b, r.length]; r.push(...seqs[s]!); p.push(...seqs[s]!.map((_, i) => i)); }
    while (r.length < T) { r.push(PAD); p.push(0); }
    ids.push(r); pos.push(p);
  });
  const labels = ids.map((r, b) => r.map((v, i) => (pos[b]![i] === 0 ? -100 : v)));
  return { input_ids: long(ids), position_ids: long(pos), labels: long(labels), at };
}
const NUM_ITEMS = SEQS.reduce((n, s) => n + s.length - 1, 0);

type LM = Omit<PreTrainedModel, 'forward'> & { forward(i: object): { logits: torch.Tensor; loss?: torch.Tensor } };
const llama = { vocab_size: 64, hidden_size: 32, intermediate_size: 48, num_hidden_layers: 2, num_attention_heads: 4, num_key_value_heads: 2, initializer_range: 0.1, pad_token_id: PAD };
const MODELS: [string, () => LM][] = [
  ['Llama (4 heads over 2 kv heads)', () => new LlamaForCausalLM(new LlamaConfig(llama)) as unknown as LM],
  ['Mistral (sliding window 6 >= every sequence: varlen)', () => new MistralForCausalLM(new MistralConfig({ ...llama, sliding_window: 6 })) as unknown as LM],
  ['GPT-2', () => new GPT2LMHeadModel(new GPT2Config({ vocab_size: 64, n_positions: 16, n_embd: 32, n_layer: 2, n_head: 4, resid_pdrop: 0, embd_pdrop: 0, attn_pdrop: 0 })) as unknown as LM],
  ['GPT-Neo (global + local window 4: mask on the local layer)', () => new GPTNeoForCausalLM(new GPTNeoConfig({
    vocab_size: 64, max_position_embeddings: 16, hidden_size: 32, num_layers: 2, num_heads: 4, attention_types: [[['global', 'local'], 1]], window_size: 4,
    resid_dropout: 0, embed_dropout: 0, attention_dropout: 0,
  })) as unknown as LM],
];

/** Logits (B, T, V), loss and every gradient of one packed training forward. */
function packedRun(model: LM, checkpointed: boolean): { logits: torch.Tensor; loss: number; grads: Map<string, torch.Tensor> } {
  const p = pack(SEQS);
  model.zeroGrad();
  if (checkpointed) model.gradientCheckpointingEnable(); else model.gradientCheckpointingDisable();
  const [logits, loss] = torch.tidy(() => {
    const out = model.forward({ input_ids: p.input_ids, position_ids: p.position_ids, labels: p.labels, num_items_in_batch: NUM_ITEMS });
    model.backward(out.loss!);
    return [torch.keep(out.logits.detach()), out.loss!.item() as number] as const;
  });
  model.gradientCheckpointingDisable();
  return { logits, loss, grads: new Map((model as unknown as PreTrainedModel).namedParameters().map(([n, q]) => [n, torch.keep(q.grad!.clone())])) };
}

for (const [name, make] of MODELS) {
  test(`${name}: packed rows via varlen == via the block-diagonal mask == each sequence alone (logits, loss, every gradient; also checkpointed)`, () => {
    torch.manualSeed(0);
    const model = make();
    model.train();
    const varlen = withVarlen(true, () => packedRun(model, false));
    const masked = withVarlen(false, () => packedRun(model, false));
    const ckpt = withVarlen(true, () => packedRun(model, true));
    // each sequence alone (default positions), the same normalisation, gradients accumulated
    model.zeroGrad();
    const p = pack(SEQS);
    torch.tidy(() => SEQS.forEach((s, k) => {
      const out = model.forward({ input_ids: long([s]), labels: long([[-100, ...s.slice(1)]]), num_items_in_batch: NUM_ITEMS });
      out.loss!.backward();
      const [row, at] = p.at[k]!;
      for (const [what, r] of [['varlen', varlen], ['mask', masked], ['checkpointed varlen', ckpt]] as const)
        assertClose(r.logits.select(0, row).narrow(0, at, s.length).unsqueeze(0), out.logits, { ...TOL, msg: `${name}: ${what} logits of sequence ${k}` });
    }));
    assertClose(varlen.loss, masked.loss, { ...TOL, msg: `${name}: loss varlen vs mask` });
    assertClose(ckpt.loss, varlen.loss, { ...TOL, msg: `${name}: loss checkpointed` });
    for (const [n, prm] of model.namedParameters()) {
      const alone = prm.grad!;
      assert.ok(alone.abs().max().item() > 0 || n.includes('wpe'), `${name}: ${n} got a gradient`);
      assertClose(varlen.grads.get(n)!, masked.grads.get(n)!, { ...TOL, msg: `${name}: grad ${n} varlen vs mask` });
      assertClose(varlen.grads.get(n)!, alone, { ...TOL, msg: `${name}: grad ${n} varlen vs alone` });
      assertClose(ckpt.grads.get(n)!, alone, { ...TOL, msg: `${name}: grad ${n} checkpointed varlen vs alone` });
    }
    for (const r of [varlen, masked, ckpt]) { r.logits.dispose(); for (const g of r.grads.values()) g.dispose(); }
    model.dispose();
  });
}

test('varlen: changing sequences 1 and 3 leaves the others\' logits bitwise equal; the changed ones move', () => {
  torch.manualSeed(1);
  for (const [name, make] of MODELS) {
    const model = make();
    model.eval();
    torch.noGrad(() => torch.tidy(() => {
      const a = pack(SEQS), b = pack(SEQS.map((s, k) => (k === 1 || k === 3 ? s.map((v) => ((v * 7) % 59) + 3) : s)));
      const la = model.forward({ input_ids: a.input_ids, position_ids: a.position_ids }).logits;
      const lb = model.forward({ input_ids: b.input_ids, position_ids: b.position_ids }).logits;
      const part = (l: torch.Tensor, k: number): torch.Tensor => l.select(0, a.at[k]![0]).narrow(0, a.at[k]![1], SEQS[k]!.length).contiguous();
      for (const k of [0, 2, 4]) assert.deepEqual(part(lb, k).toTypedArray(), part(la, k).toTypedArray(), `${name}: sequence ${k} moved`);
      for (const k of [1, 3]) assert.ok(part(la, k).sub(part(lb, k)).abs().max().item() > 1e-3, `${name}: sequence ${k} did not change`);
    }));
    model.dispose();
  }
});
