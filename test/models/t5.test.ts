// t5.test.ts — T5 beyond the two shared checkpoints, against transformers 5.18 (test/fixtures/t5-variants,
// scripts/fixtures/gen_t5_variants.py): an asymmetric stack (num_decoder_layers != num_layers, num_heads·d_kv
// != d_model), 'gated-silu' with an untied head saved by transformers 5 (tie_word_embeddings true +
// scale_decoder_outputs false), a T5 v1.1 made by transformers 5 (head tied, not rescaled), 48-token padded batches past relative_attention_max_distance, the encoder
// alone, cached decoding step by step, the relative-position buckets, bf16 loading, config dicts, bad
// inputs and the savePretrained -> fromPretrained round trip.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { readFileSync, mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import * as torch from '../../src/torch/index.js';
import { AutoModelForSeq2SeqLM, T5Config, T5EncoderModel, T5ForConditionalGeneration, relativePositionBucket, type PreTrainedModel } from '../../src/models/index.js';

const DIR = new URL('../fixtures/t5-variants/', import.meta.url).pathname;
// As test/models/parity.test.ts: float32 runs of the same math differ by ~1e-6; a hundredfold margin.
const OUT_RTOL = 1e-4, OUT_ATOL = 1e-5;
const GRAD_RTOL = 1e-4, GRAD_ATOL = 1e-6;

type Ref = Record<string, torch.Tensor>;
const load = (name: string): Promise<Ref> => torch.safetensors.loadFile(join(DIR, name, 'reference.safetensors'));
const noWarnings = { onWarning: (m: string) => assert.fail(`unexpected load warning: ${m}`) };
const maxAbs = (t: torch.Tensor): number => torch.tidy(() => (t.numel() ? t.abs().max().item() : 0));
const dispose = (r: Ref): void => Object.values(r).forEach((t) => t.dispose());
/** `prefix.<name>` entries of a reference, keyed by name. */
const group = (ref: Ref, prefix: string): Ref => Object.fromEntries(Object.entries(ref).filter(([k]) => k.startsWith(prefix)).map(([k, v]) => [k.slice(prefix.length), v]));

/** |got - want| <= rtol·|want| + atol elementwise; returns the max |diff|. */
function assertNear(got: torch.Tensor, want: torch.Tensor, what: string, rtol = OUT_RTOL, atol = OUT_ATOL): number {
  assert.deepEqual(got.shape, want.shape, `${what} shape`);
  return torch.tidy(() => {
    const diff = got.float().sub(want.float()).abs();
    const excess = maxAbs(diff.sub(want.float().abs().mul(rtol).add(atol)).relu());
    assert.equal(excess, 0, `${what}: max |diff| ${maxAbs(diff).toExponential(3)} exceeds ${rtol}|ref| + ${atol}`);
    return maxAbs(diff);
  });
}

/** ||grad - ref|| <= rtol·||ref|| + atol for every parameter; every parameter has a reference. */
function assertGrads(model: PreTrainedModel, ref: Ref): string {
  const grads = group(ref, 'grad.');
  const names = model.namedParameters().map(([n]) => n);
  assert.deepEqual([...names].sort(), Object.keys(grads).sort(), 'named_parameters = the reference gradients');
  let worst = 0, worstName = '';
  torch.tidy(() => {
    for (const [n, p] of model.namedParameters()) {
      assert.ok(p.grad, `${n} has no gradient`);
      const err = p.grad.sub(grads[n]!).norm().item(), norm = grads[n]!.norm().item();
      assert.ok(err <= GRAD_RTOL * norm + GRAD_ATOL, `${n}: ||grad - ref|| = ${err.toExponential(3)} > ${GRAD_RTOL}·${norm.toExponential(3)} + ${GRAD_ATOL}`);
      if (norm > 0 && err / norm > worst) { worst = err / norm; worstName = n; }
    }
  });
  return `max rel grad err ${worst.toExponential(2)} (${worstName})`;
}

for (const name of ['t5_asym', 't5_gated_silu', 't5_v11_tied', 't5_long_padded']) {
  test(`${name}: logits, loss and every gradient match transformers`, async (t) => {
    const ref = await load(name);
    const model = await AutoModelForSeq2SeqLM.fromPretrained(join(DIR, name), noWarnings);
    assert.equal(model.constructor.name, 'T5ForConditionalGeneration');
    model.train();
    const report = torch.tidy(() => {
      const out = model.forward(group(ref, 'input.'));
      const d = Math.max(assertNear(out.logits, ref['output.logits']!, 'logits'), assertNear(out.loss!, ref['output.loss']!, 'loss'));
      out.loss!.backward();
      return `max |out diff| ${d.toExponential(2)}, ${assertGrads(model, ref)}`;
    });
    t.diagnostic(`${name}: ${report}`);
    model.zeroGrad();
    model.dispose();
    dispose(ref);
  });
}

test('t5_asym / t5_gated_silu / t5_v11_tied: the stacks and the head are built from the config (and the checkpoint)', async () => {
  const asym = await AutoModelForSeq2SeqLM.fromPretrained(join(DIR, 't5_asym'), noWarnings) as T5ForConditionalGeneration;
  assert.deepEqual([asym.encoder.block.length, asym.decoder.block.length], [2, 3]);
  assert.equal(asym.lm_head.weight, asym.shared.weight, 'original T5: the head is the embedding');
  const silu = await AutoModelForSeq2SeqLM.fromPretrained(join(DIR, 't5_gated_silu'), noWarnings) as T5ForConditionalGeneration;
  assert.equal(asym.config.scalesDecoderOutput, true);
  // transformers 5's config.json says tie_word_embeddings true and scale_decoder_outputs false; the checkpoint's
  // own lm_head.weight (other values) unties the head, as in transformers 5
  assert.notEqual(silu.lm_head.weight, silu.shared.weight);
  assert.equal(silu.config.scalesDecoderOutput, false);
  // the same config without a head in the file: tied and not rescaled (4.x's tie_word_embeddings could not say that)
  const v11 = await AutoModelForSeq2SeqLM.fromPretrained(join(DIR, 't5_v11_tied'), noWarnings) as T5ForConditionalGeneration;
  assert.equal(v11.lm_head.weight, v11.shared.weight);
  assert.equal(v11.config.scalesDecoderOutput, false);
  for (const m of [asym, silu, v11]) m.dispose();
});

test('t5_encoder: T5EncoderModel matches transformers on a padded batch', async () => {
  const ref = await load('t5_encoder');
  const model = await T5EncoderModel.fromPretrained(join(DIR, 't5_encoder'), noWarnings);
  torch.tidy(() => {
    const out = model.forward(group(ref, 'input.'));
    assertNear(out.last_hidden_state, ref['output.last_hidden_state']!, 'last_hidden_state');
  });
  model.dispose();
  dispose(ref);
});

test('t5_cached: a 3-step cached decode equals transformers per step and the uncached forward', async () => {
  const ref = await load('t5_cached');
  const model = await AutoModelForSeq2SeqLM.fromPretrained(join(DIR, 't5_cached'), noWarnings) as T5ForConditionalGeneration;
  model.eval();
  torch.noGrad(() => torch.tidy(() => {
    const input_ids = ref['input.input_ids']!, attention_mask = ref['input.attention_mask']!;
    const full = model.forward({ input_ids, attention_mask, decoder_input_ids: ref['input.decoder_input_ids']! }).logits; // (B, 4, V)
    assertNear(full, ref['full.output.logits']!, 'uncached logits');
    const encoder_outputs = model.getEncoder().forward({ input_ids, attention_mask });
    for (const withMask of [false, true]) {
      let cache = undefined as Awaited<ReturnType<typeof model.forward>>['past_key_values'];
      const steps: torch.Tensor[] = [];
      for (let i = 0; i < 3; i++) {
        const dec = ref[`step${i}.input.decoder_input_ids`]!;
        const past = cache?.getSeqLength() ?? 0;
        // decoder_attention_mask (B, past + new) of ones must change nothing
        const decoder_attention_mask = withMask ? torch.ones([dec.size(0), past + dec.size(1)], { dtype: 'int64' }) : undefined;
        const out = model.forward({ encoder_outputs, attention_mask, decoder_input_ids: dec, decoder_attention_mask, past_key_values: cache ?? null, use_cache: true });
        cache = out.past_key_values;
        assert.ok(cache, 'use_cache returns the cache');
        assert.equal(cache.getSeqLength(), past + dec.size(1));
        assertNear(out.logits, ref[`step${i}.output.logits`]!, `step ${i} logits (mask ${withMask})`);
        steps.push(out.logits);
      }
      // the same math as one uncached pass, up to float32 reassociation
      assertNear(torch.cat(steps, 1), full, `stepped vs uncached (mask ${withMask})`, 0, 1e-5);
      cache!.dispose();
    }
  }));
  model.dispose();
  dispose(ref);
});

test('relativePositionBucket equals transformers _relative_position_bucket (bidirectional and causal)', async () => {
  const ref = await load('relative_buckets');
  const rel = ref.rel!;
  let n = 0;
  torch.tidy(() => {
    for (const [k, want] of Object.entries(ref)) {
      if (k === 'rel') continue;
      const [kind, cfg] = k.split('.') as [string, string];
      const [nb, md] = cfg.split('_').map(Number) as [number, number];
      const got = relativePositionBucket(rel, kind === 'bidirectional', nb, md);
      assert.equal(got.dtype, 'int64');
      assert.deepEqual(Array.from(got.toTypedArray() as BigInt64Array), Array.from(want.toTypedArray() as BigInt64Array), k);
      n++;
    }
  });
  assert.equal(n, 8, 'four (num_buckets, max_distance) pairs, both directions');
  dispose(ref);
});

test('bf16 load: logits within bfloat16 rounding of the float32 model', async (t) => {
  for (const name of ['t5_asym', 't5_gated_silu']) {
    const ref = await load(name);
    const f32 = await AutoModelForSeq2SeqLM.fromPretrained(join(DIR, name), noWarnings);
    const bf16 = await AutoModelForSeq2SeqLM.fromPretrained(join(DIR, name), { ...noWarnings, dtype: 'bfloat16' });
    assert.equal(bf16.dtype, 'bfloat16');
    for (const m of [f32, bf16]) m.eval();
    torch.noGrad(() => torch.tidy(() => {
      const inputs = group(ref, 'input.');
      const a = f32.forward(inputs), b = bf16.forward(inputs);
      assert.equal(b.logits.dtype, 'bfloat16');
      // bf16 keeps 8 bits of mantissa (rel. 2^-8 per rounding); a few layers of it: 5% of the logits' range
      const scale = maxAbs(a.logits);
      const d = assertNear(b.logits, a.logits, `${name} bf16 logits`, 0, 0.05 * scale);
      t.diagnostic(`${name}: bf16 max |logit diff| ${d.toExponential(2)} (max |logit| ${scale.toFixed(2)})`);
      assert.ok(Math.abs(b.loss!.item() - a.loss!.item()) <= 0.02 * a.loss!.item(), `${name} bf16 loss ${b.loss!.item()} vs ${a.loss!.item()}`);
    }));
    f32.dispose();
    bf16.dispose();
    dispose(ref);
  }
});

test('config: T5Config to_dict agrees with transformers (default and a flan-t5-small-like config)', () => {
  const hf = JSON.parse(readFileSync(join(DIR, 'configs.json'), 'utf8')) as {
    default: Record<string, unknown>; flan_t5_small_like: { init: Record<string, unknown>; to_dict: Record<string, unknown> };
  };
  // transformers 5.x differences from 4.47 (whose keys tunekit writes): dtype for torch_dtype, the version,
  // tie_word_embeddings forced true (scale_decoder_outputs carries the 4.x value), names tunekit never set
  const skip = new Set(['transformers_version', 'dtype', 'torch_dtype', 'tie_word_embeddings', 'scale_decoder_outputs', '_name_or_path']);
  for (const [what, init, want] of [['default', {}, hf.default], ['flan-t5-small-like', hf.flan_t5_small_like.init, hf.flan_t5_small_like.to_dict]] as const) {
    const got = new T5Config(init as Record<string, never>).toDict(false);
    const shared = Object.keys(want).filter((k) => k in got && !skip.has(k));
    assert.ok(shared.length >= 25, `${what}: ${shared.length} keys compared`);
    for (const k of shared) assert.deepEqual(got[k], want[k], `${what}.${k}`);
    assert.equal(got.tie_word_embeddings, want.scale_decoder_outputs, `${what}: tie_word_embeddings = transformers 5's scale_decoder_outputs`);
  }
  // a transformers 5 config.json: tie_word_embeddings forced true as there, scale_decoder_outputs says whether
  // the decoder output is rescaled and is written back; without it, 4.x's tie_word_embeddings says both
  for (const [init, scales] of [[{ tie_word_embeddings: false, scale_decoder_outputs: false }, false], [{ tie_word_embeddings: true, scale_decoder_outputs: true }, true],
    [{ scale_decoder_outputs: false }, false], [{ tie_word_embeddings: false }, false], [{}, true]] as const) {
    const c = T5Config.fromDict(init);
    assert.equal(c.tie_word_embeddings, 'scale_decoder_outputs' in init || !('tie_word_embeddings' in init), JSON.stringify(init));
    assert.equal(c.scalesDecoderOutput, scales, JSON.stringify(init));
    assert.equal(JSON.parse(c.toJsonString()).scale_decoder_outputs, 'scale_decoder_outputs' in init ? scales : undefined, JSON.stringify(init));
    assert.equal(new T5Config(init).scalesDecoderOutput, scales, `from code: ${JSON.stringify(init)}`);
  }
  assert.throws(() => new T5Config({ scale_decoder_outputs: 'no' as never }), /T5Config.scale_decoder_outputs must be a boolean, got "no"/);
});

/** A small model made in code (no fixture): bad inputs never reach the numbers. */
function tiny(extra: Record<string, unknown> = {}): T5ForConditionalGeneration {
  return new T5ForConditionalGeneration(new T5Config({ vocab_size: 16, d_model: 8, d_kv: 4, d_ff: 8, num_layers: 1, num_heads: 2, dropout_rate: 0, ...extra }));
}

test('bad input: clear errors (HF\'s where HF has one)', () => {
  const hf = JSON.parse(readFileSync(join(DIR, 'configs.json'), 'utf8')) as { errors: { no_decoder_start_token_id: string } };
  const ids = (b: number, t: number) => torch.ones([b, t], { dtype: 'int64' });
  const noStart = tiny();
  torch.tidy(() => {
    assert.throws(() => noStart.forward({ input_ids: ids(2, 3), labels: ids(2, 2) }), (e: Error) => e.message === hf.errors.no_decoder_start_token_id);
  });
  noStart.dispose();
  const m = tiny({ decoder_start_token_id: 0 });
  torch.tidy(() => {
    assert.throws(() => m.forward({ input_ids: ids(2, 3), labels: ids(3, 2) }), /labels has batch size 3 but the encoder output has 2/);
    assert.throws(() => m.forward({ input_ids: ids(2, 3), decoder_input_ids: ids(3, 2), use_cache: true }), /decoder_input_ids has batch size 3 but the encoder output has 2/);
    assert.throws(() => m.forward({ input_ids: ids(2, 3), labels: ids(2, 3), decoder_input_ids: ids(2, 2) }), /labels have shape \[2,3\] but the logits \[2,2,16\]/);
    assert.throws(() => m.forward({ input_ids: ids(2, 3), labels: ids(2, 2), lables: ids(2, 2) } as never), /'lables'/);
    assert.throws(() => m.forward({ decoder_input_ids: ids(2, 2) }), /T5Stack \(encoder\).forward: give exactly one of input_ids and inputs_embeds/, 'no encoder input');
    assert.throws(() => m.decoder.forward({ input_ids: ids(2, 2) }), /the decoder needs encoder_hidden_states/);
    assert.throws(() => m.forward({ input_ids: ids(2, 3) }), /give decoder_input_ids \(or decoder_inputs_embeds, or labels to shift right\)/, 'no decoder input');
  });
  m.dispose();
});

test('savePretrained -> fromPretrained: bit-identical logits, shared.weight stored once', async () => {
  // t5_v11_tied (tied, not rescaled) is written as an untied head holding the same values: transformers 4.x
  // reads tie_word_embeddings true as "rescale", so tie_word_embeddings false + lm_head.weight is what 4.x runs
  // the same (checked with the harness: 4.47.1 and 5.18 give these logits); it loads back tied
  for (const [name, tied, headStored] of [['t5_asym', true, false], ['t5_gated_silu', false, true], ['t5_v11_tied', true, true]] as const) {
    const ref = await load(name);
    const model = await AutoModelForSeq2SeqLM.fromPretrained(join(DIR, name), noWarnings);
    const out = mkdtempSync(join(tmpdir(), 't5-roundtrip-'));
    try {
      await model.savePretrained(out);
      const stored = Object.keys((await torch.safetensors.readHeader(join(out, 'model.safetensors'))).tensors);
      assert.ok(stored.includes('shared.weight'));
      for (const alias of ['encoder.embed_tokens.weight', 'decoder.embed_tokens.weight']) assert.ok(!stored.includes(alias), `${name}: ${alias} written`);
      assert.equal(stored.includes('lm_head.weight'), headStored, `${name}: lm_head.weight stored`);
      const written = JSON.parse(readFileSync(join(out, 'config.json'), 'utf8')) as Record<string, unknown>;
      assert.equal(written.tie_word_embeddings ?? true, !headStored, `${name}: tie_word_embeddings written`);
      const back = await AutoModelForSeq2SeqLM.fromPretrained(out, noWarnings) as T5ForConditionalGeneration;
      assert.equal(back.lm_head.weight === back.shared.weight, tied, `${name}: tied after the round trip`);
      assert.equal(back.config.scalesDecoderOutput, (model as T5ForConditionalGeneration).config.scalesDecoderOutput);
      for (const m of [model, back]) m.eval();
      torch.noGrad(() => torch.tidy(() => {
        const inputs = group(ref, 'input.');
        assert.ok(torch.equal(back.forward(inputs).logits, model.forward(inputs).logits), `${name}: logits changed in the round trip`);
      }));
      back.dispose();
    } finally {
      rmSync(out, { recursive: true, force: true });
    }
    model.dispose();
    dispose(ref);
  }
});
