// unpad-training.test.ts — withUnpaddedTraining (src/models/causal-lm.ts): a padded (B, T) training
// batch runs its layers on the real tokens only (one packed row, varlen attention) and its last
// hidden states go back to (B, T, H).  Checked on tiny random Llama (grouped-query heads) and GPT-2
// (learned positions, so the gathered positions must be the padded forward's): right, left and
// holed padding give the padded forward's loss, real-token logits, TRL token statistics and every
// parameter gradient (1e-5), also with gradient checkpointing and loss_type chunked_nll; padding
// logits are lm_head(0) then (proof the unpadded path ran); a counted label predicted from a padding
// position, eval (no grad) and no scope keep the padded forward.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import * as torch from '../../src/torch/index.js';
import { GPT2Config, GPT2LMHeadModel, LlamaConfig, LlamaForCausalLM, type PreTrainedModel } from '../../src/models/index.js';
import { withUnpaddedTraining } from '../../src/models/causal-lm.js';
import { unpadInput, padInput } from '../../src/nn/index.js';
import { assertClose } from '../helpers.js';

const long = (rows: number[][]): torch.Tensor => torch.tensor(rows, { dtype: 'int64' });
const TOL = { rtol: 1e-5, atol: 1e-5 };
type Out = { logits: torch.Tensor; loss?: torch.Tensor; num_correct_tokens?: torch.Tensor; entropy_sum?: torch.Tensor };
type LM = Omit<PreTrainedModel, 'forward'> & { forward(i: object): Out; lossType: 'nll' | 'chunked_nll'; tokenStats: boolean };

test('unpadInput / padInput: flash-attn layout, round trip, gradient', () => {
  torch.tidy(() => {
    const u = unpadInput(long([[1, 1, 0, 0], [0, 1, 1, 1], [0, 0, 0, 0], [1, 0, 1, 1]]));
    assert.deepEqual(Array.from(u.indices.toTypedArray() as BigInt64Array, Number), [0, 1, 5, 6, 7, 12, 14, 15]);
    assert.deepEqual(u.cu, [0, 2, 5, 8], 'the empty row holds no sequence');
    assert.equal(u.total, 8);
    const x = torch.arange(0, 8, 1, { dtype: 'float32' }).unsqueeze(1).expand(8, 2).contiguous().requiresGrad_(); // (N, 2)
    const padded = padInput(x.unsqueeze(0), u.indices, 4, 4); // (4, 4, 2)
    assert.deepEqual(Array.from(padded.select(2, 0).contiguous().toTypedArray() as Float32Array), [0, 1, 0, 0, 0, 2, 3, 4, 0, 0, 0, 0, 5, 0, 6, 7]);
    padded.mul(torch.arange(0, 32, 1, { dtype: 'float32' }).reshape(4, 4, 2)).sum().backward();
    assert.deepEqual(Array.from(x.grad!.select(1, 0).contiguous().toTypedArray() as Float32Array), [0, 2, 10, 12, 14, 24, 28, 30]);
    assert.throws(() => unpadInput(long([[[1]]] as unknown as number[][])), /attention_mask must be \(B, T\)/);
  });
});

const IDS = [[5, 17, 33, 9, 60, 44, 3], [27, 15, 6, 8, 0, 0, 0], [12, 50, 31, 40, 11, 19, 0]];
const rightMask = IDS.map((r, i) => r.map((_, j) => (i === 0 || r[j] !== 0 ? 1 : 0)));
// left padding: row 1 and 2 shifted right, the first real token's label -100 (TRL's completion-only
// losses or a prompt mask do that; otherwise the padded forward counts a padding position's logits)
const LEFT = [[5, 17, 33, 9, 60, 44, 3], [0, 0, 0, 27, 15, 6, 8], [0, 12, 50, 31, 40, 11, 19]];
const leftMask = LEFT.map((r, i) => r.map((v) => (i === 0 || v !== 0 ? 1 : 0)));
const labelsOf = (ids: number[][], mask: number[][], firstIgnored = false): torch.Tensor =>
  long(ids.map((r, i) => r.map((v, j) => (!mask[i]![j] || (firstIgnored && (j === 0 || !mask[i]![j - 1])) ? -100 : v))));
const CASES: [string, number[][], number[][], boolean][] = [
  ['right padding', IDS, rightMask, false],
  ['left padding (first label ignored)', LEFT, leftMask, true],
  ['a hole in a row', [[5, 17, 33, 9, 60, 44, 3], [27, 0, 6, 8, 21, 0, 0]], [[1, 1, 1, 1, 1, 1, 1], [1, 0, 1, 1, 1, 0, 0]], true],
];

const MODELS: [string, () => LM][] = [
  ['Llama (4 heads over 2 kv heads)', () => new LlamaForCausalLM(new LlamaConfig({
    vocab_size: 64, hidden_size: 32, intermediate_size: 48, num_hidden_layers: 2, num_attention_heads: 4, num_key_value_heads: 2, initializer_range: 0.1, pad_token_id: 0,
  })) as unknown as LM],
  ['GPT-2 (learned positions)', () => new GPT2LMHeadModel(new GPT2Config({ vocab_size: 64, n_positions: 16, n_embd: 32, n_layer: 2, n_head: 4, resid_pdrop: 0, embd_pdrop: 0, attn_pdrop: 0 })) as unknown as LM],
];

interface Run { loss: number; logits: torch.Tensor; grads: Map<string, torch.Tensor>; stats: number[] }
function trainStep(model: LM, inputs: Record<string, torch.Tensor>, unpad: boolean): Run {
  model.zeroGrad();
  const r = torch.tidy(() => {
    const fwd = (): Out => model.forward(inputs);
    const out = unpad ? withUnpaddedTraining(fwd) : fwd();
    model.backward(out.loss!);
    const stats = out.num_correct_tokens ? [out.num_correct_tokens.item() as number, out.entropy_sum!.item() as number] : [];
    return { loss: out.loss!.item() as number, logits: torch.keep(out.logits.detach()), stats };
  });
  return { ...r, grads: new Map(model.namedParameters().map(([n, p]) => [n, torch.keep(p.grad!.clone())])) };
}

for (const [name, make] of MODELS) {
  for (const [what, ids, mask, firstIgnored] of CASES) {
    for (const mode of ['nll', 'chunked_nll + token stats', 'checkpointed'] as const) {
      test(`${name}, ${what}, ${mode}: the unpadded forward gives the padded loss, real-token logits and every gradient`, () => {
        torch.manualSeed(0);
        const model = make();
        model.train();
        if (mode !== 'nll' && mode !== 'checkpointed') { model.lossType = 'chunked_nll'; model.tokenStats = true; }
        if (mode === 'checkpointed') model.gradientCheckpointingEnable();
        const inputs = { input_ids: long(ids), attention_mask: long(mask), labels: labelsOf(ids, mask, firstIgnored) };
        const padded = trainStep(model, inputs, false), unpadded = trainStep(model, inputs, true);
        assertClose(unpadded.loss, padded.loss, { ...TOL, msg: `${what}: loss` });
        assertClose(unpadded.stats, padded.stats, { ...TOL, msg: `${what}: token statistics` });
        if (mode !== 'chunked_nll + token stats') {
          const real = long(mask).bool().unsqueeze(-1); // (B, T, 1)
          assertClose(unpadded.logits.mul(real), padded.logits.mul(real), { ...TOL, msg: `${what}: real-token logits` });
          // padding positions are lm_head(0) = 0 (no bias): the unpadded path did run
          assert.equal(unpadded.logits.mul(real.logicalNot()).abs().max().item(), 0);
          assert.ok(padded.logits.mul(real.logicalNot()).abs().max().item() > 1e-3);
        }
        for (const [n, g] of padded.grads) assertClose(unpadded.grads.get(n)!, g, { ...TOL, msg: `${what}: grad ${n}` });
        for (const r of [padded, unpadded]) { r.logits.dispose(); for (const g of r.grads.values()) g.dispose(); }
        model.dispose();
      });
    }
  }
}

test('the padded forward stays: a counted label after padding, eval (no grad), no scope', () => {
  torch.manualSeed(1);
  const model = MODELS[0]![1]();
  model.train();
  const ids = long(LEFT), am = long(leftMask);
  const padLogitsZero = (o: Out): boolean => torch.tidy(() => o.logits.mul(am.bool().logicalNot().unsqueeze(-1)).abs().max().item() === 0);
  torch.tidy(() => {
    // left padding with the first real token's label counted: the padded forward reads a padding position's logits
    const counted = withUnpaddedTraining(() => model.forward({ input_ids: ids, attention_mask: am, labels: labelsOf(LEFT, leftMask, false) }));
    assert.equal(padLogitsZero(counted), false);
    const inScope = withUnpaddedTraining(() => model.forward({ input_ids: ids, attention_mask: am, labels: labelsOf(LEFT, leftMask, true) }));
    assert.equal(padLogitsZero(inScope), true, 'the same batch with that label ignored does unpad');
    const evalRun = torch.noGrad(() => withUnpaddedTraining(() => model.forward({ input_ids: ids, attention_mask: am, labels: labelsOf(LEFT, leftMask, true) })));
    assert.equal(padLogitsZero(evalRun), false);
    assert.equal(padLogitsZero(model.forward({ input_ids: ids, attention_mask: am, labels: labelsOf(LEFT, leftMask, true) })), false);
  });
  model.dispose();
});
