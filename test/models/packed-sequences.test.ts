// packed-sequences.test.ts — TRL's padding-free batches: several sequences in one row, position_ids
// restarting at 0, no attention_mask. decoderStep (src/models/causal-lm.ts) then builds transformers
// 5.x's block-diagonal causal mask (masking_utils.find_packed_sequence_indices). Checked: the sequence
// indices (HF's docstring example), the masks decoderStep hands each case (and the fast path it keeps),
// packed == unpacked on tiny random Llama / Qwen2 / Mistral (logits, per-sequence loss, every gradient),
// bitwise isolation of the packed sequences, and transformers 5.18 parity (test/fixtures/packed,
// scripts/fixtures/gen_packed_attention.py): Qwen2, GPT-2, GPT-Neo masked; OPT, as HF, not.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { existsSync, readdirSync } from 'node:fs';
import { join } from 'node:path';
import * as torch from '../../src/torch/index.js';
import { causalMask, packedSequenceIds, sequenceIndices, setVarlenAttention, FINFO_MIN } from '../../src/nn/index.js';
import {
  AutoModelForCausalLM, LlamaConfig, LlamaForCausalLM, MistralConfig, MistralForCausalLM, Qwen2Config, Qwen2ForCausalLM,
  causalLmLoss, decoderStep, toDeviceNotingRanges, type PreTrainedModel,
} from '../../src/models/index.js';
import { assertClose } from '../helpers.js';

const FIXTURES = new URL('../fixtures/packed/', import.meta.url).pathname;
const long = (rows: number[][]): torch.Tensor => torch.tensor(rows, { dtype: 'int64' });
const rowsOf = (t: torch.Tensor): number[][] => {
  const [b, n] = t.shape as [number, number];
  const flat = Array.from(t.toTypedArray() as BigInt64Array, Number);
  return Array.from({ length: b }, (_, i) => flat.slice(i * n, (i + 1) * n));
};

test('sequence indices: transformers find_packed_sequence_indices (its docstring example, padding, (1, T) expanded)', () => {
  torch.tidy(() => {
    // HF docstring: 3 sequences of 2, 3 and 1 tokens -> [[0, 0, 1, 1, 1, 2]]
    assert.deepEqual(rowsOf(packedSequenceIds(long([[0, 1, 0, 1, 2, 0]]))!), [[0, 0, 1, 1, 1, 2]]);
    // TRL's padding tail (position 0 each): every padding token is a sequence of its own
    assert.deepEqual(rowsOf(sequenceIndices(long([[0, 1, 2, 0, 1, 0, 0]]))), [[0, 0, 0, 1, 1, 2, 3]]);
    // one sequence per row (any start) -> null: the plain causal mask applies
    assert.equal(packedSequenceIds(long([[3, 4, 5], [0, 1, 2]])), null);
    assert.equal(packedSequenceIds(long([[0, 1, 2]]), 4), null);
    // one packed row is enough
    assert.deepEqual(rowsOf(packedSequenceIds(long([[0, 1, 2], [0, 1, 0]]))!), [[0, 0, 0], [0, 0, 1]]);
    assert.deepEqual(rowsOf(sequenceIndices(long([[0, 1, 0]]), 2)), [[0, 0, 1], [0, 0, 1]]);
    assert.throws(() => sequenceIndices(long([[0, 1], [0, 1]]), 3), /position_ids has 2 rows but the batch has 3/);
  });
});

/** The (B, T, T) "may attend" pattern a (B, 1, T, T) additive mask encodes. */
const allowed = (mask: torch.Tensor): boolean[][][] => torch.tidy(() => {
  const [b, , t] = mask.shape as [number, number, number, number];
  const v = mask.squeeze(1).eq(0).long().toTypedArray() as BigInt64Array;
  return Array.from({ length: b }, (_, i) => Array.from({ length: t }, (_, q) => Array.from({ length: t }, (_, k) => v[(i * t + q) * t + k] === 1n)));
});
/** Block-diagonal causal pattern from per-row sequence indices, optionally with a sliding window. */
const expected = (seqs: number[][], window?: number): boolean[][][] =>
  seqs.map((s) => s.map((sq, q) => s.map((sk, k) => k <= q && sk === sq && (window === undefined || k > q - window))));

test('decoderStep: packed position_ids get a block-diagonal mask; otherwise the fast path stays', () => {
  // the mask path (GPUs; TUNEKIT_VARLEN=0): on the CPU packed rows hand their cu_seqlens instead (varlen-decoders.test.ts)
  const was = setVarlenAttention(false);
  try {
  torch.tidy(() => {
    const ids = torch.zeros([2, 6], { dtype: 'int64' });
    const pos = long([[0, 1, 2, 0, 1, 0], [0, 1, 0, 1, 2, 3]]);
    const packed = decoderStep({ input_ids: ids, position_ids: pos }, 2, 6).attentionFor(null);
    assert.equal(packed.isCausal, false);
    assert.equal(packed.eager, false, 'every token sees itself: no fully masked row, no eager fallback (gradients are on)');
    assert.deepEqual(allowed(packed.mask!), expected([[0, 0, 0, 1, 1, 2], [0, 0, 1, 1, 1, 1]]));
    assert.equal(packed.mask!.min().item(), FINFO_MIN.float32);
    // a sliding window still applies, by index (= by position inside a sequence)
    const windowed = decoderStep({ input_ids: ids, position_ids: pos }, 2, 6).attentionFor(2);
    assert.deepEqual(allowed(windowed.mask!), expected([[0, 0, 0, 1, 1, 2], [0, 0, 1, 1, 1, 1]], 2));
    // (1, T) position ids serve every row, as HF expands them
    const shared = decoderStep({ input_ids: ids, position_ids: long([[0, 1, 0, 1, 2, 0]]) }, 2, 6).attentionFor(null);
    assert.deepEqual(allowed(shared.mask!), expected([[0, 0, 1, 1, 1, 2], [0, 0, 1, 1, 1, 2]]));
    // the host-noted range (the Trainer's prepareInputs) proves packing without a read: the same mask
    const noted = toDeviceNotingRanges({ position_ids: pos }, 'cpu').position_ids;
    assert.deepEqual(allowed(decoderStep({ input_ids: ids, position_ids: noted }, 2, 6).attentionFor(null).mask!), allowed(packed.mask!));
    // No packing -> SDPA's is_causal, no mask: positions of one sequence per row ...
    const plain = decoderStep({ input_ids: ids, position_ids: long([[0, 1, 2, 3, 4, 5], [4, 5, 6, 7, 8, 9]]) }, 2, 6).attentionFor(null);
    assert.deepEqual([plain.mask, plain.isCausal], [null, true]);
    // ... an attention_mask or a cache (HF detects packing only without both) ...
    const withMask = decoderStep({ input_ids: ids, position_ids: pos, attention_mask: torch.ones([2, 6], { dtype: 'int64' }) }, 2, 6).attentionFor(null);
    assert.deepEqual([withMask.mask, withMask.isCausal], [null, true]);
    const withCache = decoderStep({ input_ids: ids, position_ids: pos, use_cache: true }, 2, 6);
    assert.deepEqual([withCache.attentionFor(null).mask, withCache.attentionFor(null).isCausal], [null, true]);
    withCache.cache!.dispose();
    // ... or a family whose mask ignores position_ids (OPT)
    const opt = decoderStep({ input_ids: ids, position_ids: pos }, 2, 6, { packed: false }).attentionFor(null);
    assert.deepEqual([opt.mask, opt.isCausal], [null, true]);
    // segment ids only make sense without a cached past
    assert.throws(() => causalMask({ queryLength: 1, pastLength: 5, batchSize: 1, segmentIds: long([[0]]) }), /packed sequences are only masked without a cache/);
  });
  } finally {
    setVarlenAttention(was);
  }
});

// ---- packed == unpacked on tiny random models ----

// Five sequences (ids 3..63; pad id 0 never inside) in two rows of 10: row 0 = s0 s1 s2, row 1 = s3 s4
// then 3 padding tokens with position 0 (TRL's collator with pad_to_multiple_of).
const SEQS = [[5, 17, 33, 9, 60], [44, 3, 58], [27, 15], [8, 12, 50, 31], [19, 7, 36]];
const ROWS = [[0, 1, 2], [3, 4]];
const T = 10, PAD = 0;
interface Packed { input_ids: torch.Tensor; position_ids: torch.Tensor; labels: torch.Tensor; starts: [number, number, number][] }
/** input_ids / position_ids / labels (B, T) as TRL's padding-free collator (labels -100 at position 0), and where each sequence sits. */
function pack(seqs: number[][]): Packed {
  const ids: number[][] = [], pos: number[][] = [], starts: [number, number, number][] = [];
  ROWS.forEach((row, b) => {
    const r: number[] = [], p: number[] = [];
    for (const s of row) {
      starts[s] = [b, r.length, seqs[s]!.length];
      r.push(...seqs[s]!);
      p.push(...seqs[s]!.map((_, i) => i));
    }
    while (r.length < T) { r.push(PAD); p.push(0); }
    ids.push(r);
    pos.push(p);
  });
  const labels = ids.map((r, b) => r.map((v, i) => (pos[b]![i] === 0 ? -100 : v)));
  return { input_ids: long(ids), position_ids: long(pos), labels: long(labels), starts };
}
const NUM_ITEMS = SEQS.reduce((n, s) => n + s.length - 1, 0); // label tokens of the whole batch
const sizes = { vocab_size: 64, hidden_size: 32, intermediate_size: 48, num_hidden_layers: 2, num_attention_heads: 4, num_key_value_heads: 2, initializer_range: 0.1, pad_token_id: PAD };
const MODELS: [string, () => PreTrainedModel][] = [
  ['Llama', () => new LlamaForCausalLM(new LlamaConfig(sizes))],
  ['Qwen2 (q/k/v biases)', () => new Qwen2ForCausalLM(new Qwen2Config(sizes))],
  ['Mistral (sliding window 2)', () => new MistralForCausalLM(new MistralConfig({ ...sizes, sliding_window: 2 }))],
];
type LM = Omit<PreTrainedModel, 'forward'> & { forward(i: object): { logits: torch.Tensor; loss?: torch.Tensor } };
const grads = (m: PreTrainedModel): Map<string, torch.Tensor> => new Map(m.namedParameters().map(([n, p]) => [n, torch.keep(p.grad!.clone())]));
// Same float32 math on differently shaped operands (one row vs packed rows): agreement ~1e-7.
const TOL = { rtol: 1e-5, atol: 1e-5 };

for (const [name, make] of MODELS) {
  test(`${name}: a packed batch (2 rows, padding tail) gives each sequence's logits, loss and the gradients of running it alone`, () => {
    torch.manualSeed(0);
    const model = make() as LM;
    model.train();
    const p = pack(SEQS);
    // packed: both rows, loss = sum over label tokens / NUM_ITEMS (HF's num_items_in_batch)
    model.zeroGrad();
    const packedLogits = torch.tidy(() => {
      const out = model.forward({ input_ids: p.input_ids, position_ids: p.position_ids, labels: p.labels, num_items_in_batch: NUM_ITEMS });
      out.loss!.backward();
      return out.logits.detach();
    }); // (2, T, V)
    const packedGrads = grads(model as unknown as PreTrainedModel);
    // unpacked: each sequence alone (default positions), the same normalisation, gradients accumulated
    model.zeroGrad();
    SEQS.forEach((s, k) => torch.tidy(() => {
      const ids = long([s]), labels = long([[-100, ...s.slice(1)]]);
      const out = model.forward({ input_ids: ids, labels, num_items_in_batch: NUM_ITEMS });
      out.loss!.backward();
      const [b, at, n] = p.starts[k]!;
      const mine = packedLogits.select(0, b).narrow(0, at, n).unsqueeze(0); // (1, n, V)
      assertClose(mine, out.logits, { ...TOL, msg: `${name} sequence ${k} logits` });
      // the per-sequence mean loss, from the packed logits and from the sequence alone
      const alone = torch.noGrad(() => model.forward({ input_ids: ids, labels }).loss!.item());
      assertClose(causalLmLoss(mine, labels).item(), alone, { ...TOL, msg: `${name} sequence ${k} loss` });
    }));
    let worst = 0;
    for (const [n, param] of model.namedParameters()) {
      const want = param.grad!, got = packedGrads.get(n)!;
      assertClose(got, want, { ...TOL, msg: `${name} grad ${n}` });
      worst = Math.max(worst, torch.tidy(() => got.sub(want).abs().max().item()));
    }
    for (const g of packedGrads.values()) g.dispose();
    packedLogits.dispose();
    assert.ok(worst < 1e-5, `${name}: max |grad diff| ${worst}`);
  });
}

test('packed sequences never see each other: changing one sequence leaves the others\' logits bitwise equal (CPU)', () => {
  torch.manualSeed(1);
  for (const [name, make] of MODELS) {
    const model = make() as LM;
    model.eval();
    torch.noGrad(() => torch.tidy(() => {
      const a = pack(SEQS);
      // new tokens for s1 (row 0, between s0 and s2) and s3 (row 1, before s4)
      const changed = SEQS.map((s, k) => (k === 1 || k === 3 ? s.map((v) => ((v * 7) % 59) + 3) : s));
      const b = pack(changed);
      const la = model.forward({ input_ids: a.input_ids, position_ids: a.position_ids }).logits;
      const lb = model.forward({ input_ids: b.input_ids, position_ids: b.position_ids }).logits;
      for (const k of [0, 2, 4]) {
        const [row, at, n] = a.starts[k]!;
        const x = la.select(0, row).narrow(0, at, n).contiguous().toTypedArray(), y = lb.select(0, row).narrow(0, at, n).contiguous().toTypedArray();
        assert.deepEqual(y, x, `${name}: sequence ${k} moved when sequences 1 and 3 changed`);
      }
      // the changed sequences did move (the test can fail)
      const [row, at, n] = a.starts[1]!;
      assert.ok(la.select(0, row).narrow(0, at, n).sub(lb.select(0, row).narrow(0, at, n)).abs().max().item() > 1e-3, `${name}: sequence 1 did not change`);
    }));
    model.dispose();
  }
});

test('(1, T) position_ids serve every row as (B, T) does', () => {
  torch.manualSeed(2);
  const model = MODELS[1]![1]() as LM;
  model.eval();
  torch.noGrad(() => torch.tidy(() => {
    const ids = long([[5, 17, 33, 9, 60, 44, 3, 58], [27, 15, 8, 12, 50, 31, 40, 22]]);
    const pos = [0, 1, 2, 3, 0, 1, 2, 0];
    const one = model.forward({ input_ids: ids, position_ids: long([pos]) }).logits;
    const both = model.forward({ input_ids: ids, position_ids: long([pos, pos]) }).logits;
    assert.deepEqual(one.toTypedArray(), both.toTypedArray());
  }));
  model.dispose();
});

// ---- transformers 5.18 parity ----

// As decoder-lms.test.ts (fixtures/README.md): logits 1e-5 abs + 1e-4 rel; gradients by norm.
const OUT_RTOL = 1e-4, OUT_ATOL = 1e-5, GRAD_RTOL = 1e-4, GRAD_ATOL = 1e-6;
const FIXTURE_NAMES = ['qwen2_packed', 'gpt2_packed', 'gpt_neo_packed', 'opt_packed'];

test('the packed fixtures are there (a missing folder must fail, not skip)', () => {
  const have = existsSync(FIXTURES) ? readdirSync(FIXTURES) : [];
  for (const n of FIXTURE_NAMES) assert.ok(have.includes(n), `test/fixtures/packed/${n} (run scripts/fixtures/gen_packed_attention.py)`);
});

for (const name of FIXTURE_NAMES) {
  test(`${name}: packed rows match transformers 5.18 (flat / rows / shared: logits, loss, every gradient)`, async (t) => {
    const dir = join(FIXTURES, name);
    const model = await AutoModelForCausalLM.fromPretrained(dir, { onWarning: (m) => assert.fail(`unexpected load warning: ${m}`) }) as unknown as LM;
    const ref = await torch.safetensors.loadFile(join(dir, 'reference.safetensors'));
    const report: string[] = [];
    for (const c of ['flat', 'rows', 'shared']) {
      const input = (k: string): torch.Tensor => ref[`${c}.input.${k}`] ?? assert.fail(`${name}: no ${c}.input.${k}`);
      torch.tidy(() => {
        model.train();
        model.zeroGrad();
        const out = model.forward({ input_ids: input('input_ids'), position_ids: input('position_ids'), labels: input('labels') });
        assertClose(out.logits, ref[`${c}.output.logits`]!, { rtol: OUT_RTOL, atol: OUT_ATOL, msg: `${name} ${c} logits` });
        assertClose(out.loss!, ref[`${c}.output.loss`]!, { rtol: OUT_RTOL, atol: OUT_ATOL, msg: `${name} ${c} loss` });
        out.loss!.backward();
        let worst = 0;
        for (const [n, p] of model.namedParameters()) {
          const g = ref[`${c}.grad.${n}`] ?? assert.fail(`${name}: no reference gradient for ${n}`);
          const err = p.grad!.sub(g).norm().item(), norm = g.norm().item();
          assert.ok(err <= GRAD_RTOL * norm + GRAD_ATOL, `${name} ${c} ${n}: ||grad - ref|| = ${err.toExponential(3)} vs ||ref|| ${norm.toExponential(3)}`);
          if (norm > 1e-5) worst = Math.max(worst, err / norm);
        }
        report.push(`${c}: max |logit diff| ${out.logits.sub(ref[`${c}.output.logits`]!).abs().max().item().toExponential(2)}, max rel grad err ${worst.toExponential(2)}`);
      });
    }
    t.diagnostic(`${name}: ${report.join('; ')}`);
    for (const v of Object.values(ref)) v.dispose();
    model.dispose();
  });
}
