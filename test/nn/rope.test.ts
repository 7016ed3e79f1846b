// RoPE vs transformers' ROPE_INIT_FUNCTIONS + LlamaRotaryEmbedding (scripts/fixtures/gen_rope.py):
// inverse frequencies, attention scaling and cos/sin for every rope type, at positions inside and
// beyond max_position_embeddings (dynamic NTK grows its base, longrope switches to long factors).
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { readFileSync } from 'node:fs';
import * as torch from '../../src/torch/index.js';
import { RotaryEmbedding, ropeInverseFrequencies, type RopeParameters } from '../../src/nn/index.js';
import { LlamaConfig } from '../../src/models/index.js';
import { assertClose } from '../helpers.js';

interface Case {
  config: { head_dim: number; max_position_embeddings: number; rope_theta: number; params: Record<string, unknown> };
  inv_freq: number[];
  attention_scaling: number;
  positions: Record<string, { position_ids: number[]; shape: number[]; cos: number[]; sin: number[] }>;
}
const fixture = JSON.parse(readFileSync(new URL('../fixtures/nn/rope.json', import.meta.url), 'utf8')) as { cases: Record<string, Case> };

// float32 transcendental functions may differ by an ulp between libtorch builds.
const TOL = { rtol: 1e-6, atol: 1e-6 };

for (const [name, c] of Object.entries(fixture.cases)) {
  test(`rope '${name}': inv_freq, attention scaling and cos/sin equal transformers'`, () => {
    const params = { ...c.config.params, rope_theta: c.config.rope_theta } as unknown as RopeParameters;
    const cfg = { headDim: c.config.head_dim, maxPositionEmbeddings: c.config.max_position_embeddings, params };
    const rot = new RotaryEmbedding(cfg);
    torch.tidy(() => {
      assertClose(rot.inv_freq, c.inv_freq, { rtol: 1e-7, atol: 0, msg: `${name} inv_freq` });
      assert.ok(Math.abs(rot.attentionScaling - c.attention_scaling) < 1e-12, `${name} attention scaling ${rot.attentionScaling} vs ${c.attention_scaling}`);
      for (const [which, p] of Object.entries(c.positions)) {
        const [cos, sin] = rot.forward(torch.tensor([p.position_ids], { dtype: 'int64' }));
        assert.deepEqual(cos.shape, p.shape);
        assertClose(cos, p.cos, { ...TOL, msg: `${name} ${which} cos` });
        assertClose(sin, p.sin, { ...TOL, msg: `${name} ${which} sin` });
      }
    });
    rot.dispose();
  });
}

test('a config\'s rope_scaling reaches the RoPE: 4.x `type`, `rope_type`, defaults for original_max_position_embeddings', () => {
  const c = new LlamaConfig({ hidden_size: 32, num_attention_heads: 2, max_position_embeddings: 64, rope_scaling: { type: 'linear', factor: 4.0 } });
  assert.equal(c.ropeParameters.rope_type, 'linear');
  assert.equal(c.ropeParameters.factor, 4);
  const y = new LlamaConfig({ hidden_size: 32, num_attention_heads: 2, max_position_embeddings: 64, rope_scaling: { rope_type: 'yarn', factor: 2.0 } });
  assert.equal(y.ropeParameters.original_max_position_embeddings, 64);
  torch.tidy(() => {
    const a = ropeInverseFrequencies({ headDim: 16, maxPositionEmbeddings: 64, params: c.ropeParameters }).invFreq;
    const b = ropeInverseFrequencies({ headDim: 16, maxPositionEmbeddings: 64, params: { rope_type: 'default', rope_theta: 10000 } }).invFreq;
    assertClose(a, b.div(4).toArray() as number[], { rtol: 0, atol: 0 });
  });
});

test('an unknown rope type, or one missing its parameters, is a ConfigError naming it', () => {
  assert.throws(() => new LlamaConfig({ rope_scaling: { rope_type: 'su', factor: 2 } }), /LlamaConfig\.rope_scaling: unknown rope type "su" \(known: default, linear, dynamic, yarn, longrope, llama3\)/);
  assert.throws(() => new LlamaConfig({ rope_scaling: { rope_type: 'llama3', factor: 8 } }), /rope_scaling of type 'llama3' needs 'low_freq_factor'/);
  assert.throws(() => new LlamaConfig({ rope_scaling: { type: 'linear' } }), /rope_scaling of type 'linear' needs 'factor'/);
});
