// varlen-attention.test.ts — src/nn/varlen.ts: causal attention per packed sequence (flash-attn's
// cu_seqlens layout) equals SDPA over the whole row with causalMask's block-diagonal mask, and each
// sequence run alone: outputs and the gradients of q, k, v, with grouped-query heads, several rows,
// sequences of equal length (batched into one call), TRL's single-token padding sequences, the
// explicit-math path; cu_seqlens from sequence ids; bad cu_seqlens named.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import * as torch from '../../src/torch/index.js';
import { attention, causalMask, cuSeqlensFromSegments, cuSeqlensOnHost, isCuSeqlens, maxSeqlen, sequenceIndices, varlenAttention } from '../../src/nn/index.js';
import { assertClose } from '../helpers.js';

const long = (rows: number[][]): torch.Tensor => torch.tensor(rows, { dtype: 'int64' });
const TOL = { rtol: 1e-5, atol: 1e-5 };
/** Position ids of rows made of sequences of these lengths (restarting at 0 per sequence). */
const positions = (rows: number[][]): torch.Tensor => long(rows.map((lens) => lens.flatMap((n) => Array.from({ length: n }, (_, i) => i))));

test('cu_seqlens from sequence ids: flash-attn layout over the flattened rows; host copy; longest', () => {
  torch.tidy(() => {
    const cu = cuSeqlensFromSegments(sequenceIndices(positions([[3, 2, 1], [1, 4, 1]])));
    assert.equal(cu.dtype, 'int64');
    assert.deepEqual(Array.from(cu.toTypedArray() as BigInt64Array, Number), [0, 3, 5, 6, 7, 11, 12]);
    assert.deepEqual(cuSeqlensOnHost(cu), [0, 3, 5, 6, 7, 11, 12]);
    assert.deepEqual(cuSeqlensOnHost(cu.alias()), [0, 3, 5, 6, 7, 11, 12], 'an alias (gradient checkpointing) is read back');
    assert.equal(maxSeqlen(cu), 4);
    assert.ok(isCuSeqlens(cu));
    assert.ok(!isCuSeqlens(torch.zeros([1, 1, 4, 4])) && !isCuSeqlens(null) && !isCuSeqlens(torch.zeros([5])), 'a float mask is no cu_seqlens');
    assert.throws(() => cuSeqlensFromSegments(long([0, 0, 1] as unknown as number[][])), /segment ids must be \(B, T\)/);
  });
});

// Rows of sequences: repeated lengths (grouped into one SDPA call), single tokens (TRL's padding),
// a row holding one sequence only.
const CASES: [string, number[][]][] = [
  ['one row, mixed lengths', [[5, 3, 1, 4]]],
  ['one row, equal lengths (one batched call)', [[4, 4, 4]]],
  ['two rows, repeated lengths and 1-token padding', [[3, 5, 3, 1], [5, 1, 1, 1, 3, 1]]],
  ['three rows, one of them a single sequence', [[6, 6], [12], [2, 2, 2, 6]]],
];

for (const [name, rows] of CASES) {
  for (const eager of [false, true]) {
    test(`varlen attention == block-diagonal mask == each sequence alone (${name}${eager ? ', explicit math' : ''}): output and q/k/v gradients`, () => {
      torch.manualSeed(3);
      torch.tidy(() => {
        const b = rows.length, t = rows[0]!.reduce((a, n) => a + n, 0);
        const [q, k, v] = [4, 2, 2].map((h) => torch.randn([b, h, t, 8])); // GQA: 4 query heads over 2 kv heads
        const gOut = torch.randn([b, 4, t, 8]); // an upstream gradient that is not all ones
        const seg = sequenceIndices(positions(rows));
        const run = (f: (q: torch.Tensor, k: torch.Tensor, v: torch.Tensor) => torch.Tensor): torch.Tensor[] => {
          const [ql, kl, vl] = [q, k, v].map((x) => x!.detach().requiresGrad_());
          const out = f(ql!, kl!, vl!); // (B, H, T, D)
          out.backward(gOut);
          return [out.detach(), ql!.grad!, kl!.grad!, vl!.grad!];
        };
        const cu = cuSeqlensFromSegments(seg);
        const varlen = run((a, c, d) => varlenAttention(a, c, d, cu, { eager, scale: 0.3 }));
        const mask = causalMask({ queryLength: t, batchSize: b, segmentIds: seg });
        const masked = run((a, c, d) => attention(a, c, d, { mask, eager, scale: 0.3 }));
        // each sequence alone: narrow it out of its row, plain causal attention, written back in place
        const alone = run((a, c, d) => torch.cat(rows.map((lens, r) => {
          let at = 0;
          return torch.cat(lens.map((n) => {
            const sl = (x: torch.Tensor): torch.Tensor => x.narrow(0, r, 1).narrow(2, at, n);
            const o = attention(sl(a), sl(c), sl(d), { isCausal: true, eager, scale: 0.3 });
            at += n;
            return o;
          }), 2);
        }), 0));
        ['output', 'dq', 'dk', 'dv'].forEach((what, i) => {
          assert.deepEqual(varlen[i]!.shape, masked[i]!.shape);
          assertClose(varlen[i]!, masked[i]!, { ...TOL, msg: `${name}: ${what} varlen vs mask` });
          assertClose(varlen[i]!, alone[i]!, { ...TOL, msg: `${name}: ${what} varlen vs alone` });
        });
        // the test can fail: attention over the whole row (no mask) differs
        const whole = run((a, c, d) => attention(a, c, d, { isCausal: true, eager, scale: 0.3 }));
        if (rows.some((l) => l.length > 1)) assert.ok(whole[0]!.sub(varlen[0]!).abs().max().item() > 1e-3, 'sequences must not see each other');
      });
    });
  }
}

test('varlenAttention: host numbers work as the tensor does; bad cu_seqlens are named', () => {
  torch.manualSeed(4);
  torch.tidy(() => {
    const [q, k, v] = [2, 2, 2].map(() => torch.randn([2, 2, 6, 4]));
    const a = varlenAttention(q!, k!, v!, [0, 2, 6, 9, 12]);
    const b = varlenAttention(q!, k!, v!, torch.tensor([0, 2, 6, 9, 12], { dtype: 'int64' }));
    assert.deepEqual(a.toTypedArray(), b.toTypedArray());
    assert.throws(() => varlenAttention(q!, k!, v!, [0, 4, 8, 12]), /sequence 1 \(tokens 4\.\.7\) crosses the end of row 0 \(T = 6\)/);
    assert.throws(() => varlenAttention(q!, k!, v!, [0, 6, 11]), /must run from 0 to B \* T = 12, got 0 \.\. 11/);
    assert.throws(() => varlenAttention(q!, k!, v!, [0, 3, 3, 6, 12]), /must increase, got 3 then 3 at 2/);
    assert.throws(() => varlenAttention(q!, k!.narrow(2, 0, 5), v!, [0, 6, 12]), /must share B and T/);
    assert.throws(() => varlenAttention(q!.select(0, 0), k!, v!, [0, 6, 12]), /must be \(B, H, T, D\)/);
  });
});
