// api.test.ts — peft's behaviour beyond the fixtures: default targets, 'all-linear', layer
// selection, counting, disable / merge / unload, named adapters, saving and loading in tunekit,
// and bad input (each error names what is wrong and the base model is left untouched).
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { readFileSync, writeFileSync, copyFileSync, existsSync, readdirSync, truncateSync, statSync } from 'node:fs';
import { join } from 'node:path';
import * as torch from '../../src/torch/index.js';
import { LlamaForCausalLM, LlamaConfig } from '../../src/models/llama/index.js';
import { GPT2LMHeadModel } from '../../src/models/gpt2/index.js';
import { DistilBertForSequenceClassification } from '../../src/models/distilbert/index.js';
import { LoraConfig, PeftModel, getPeftModel, LoraLinear, LoraLayer } from '../../src/peft/index.js';
import { sharedDir } from '../helpers.js';
import { tmpDir } from '../trainer/tiny.js';

const LLAMA = sharedDir('fixtures/hf/lora/llama_causal_lm');
const GPT2 = sharedDir('fixtures/hf/lora/gpt2_causal_lm');
const llama = (): Promise<LlamaForCausalLM> => LlamaForCausalLM.fromPretrained(join(LLAMA, 'base'));
const ids = (): torch.Tensor => torch.tensor([[5, 9, 17, 3, 200, 41, 7, 90], [11, 12, 13, 14, 15, 16, 1, 2]], { dtype: 'int64' });
/** logits (B, T, V) of a model, kept */
const logits = (m: { forward(i: never): unknown }): torch.Tensor => torch.tidy(() => (m.forward({ input_ids: ids() } as never) as { logits: torch.Tensor }).logits.keep());
const maxDiff = (a: torch.Tensor, b: torch.Tensor): number => torch.tidy(() => a.sub(b).abs().max().item());
const wrapped = (m: PeftModel): string[] => m.getBaseModel().namedModules().filter(([, x]) => x instanceof LoraLayer).map(([k]) => k);

test('peft\'s default target modules per model_type; no default and no target_modules is an error', async () => {
  const m = getPeftModel(await llama(), { task_type: 'CAUSAL_LM' });
  assert.deepEqual(wrapped(m), ['model.layers.0.self_attn.q_proj', 'model.layers.0.self_attn.v_proj', 'model.layers.1.self_attn.q_proj', 'model.layers.1.self_attn.v_proj']);
  assert.deepEqual(m.activePeftConfig.target_modules, ['q_proj', 'v_proj']);
  const g = getPeftModel(await GPT2LMHeadModel.fromPretrained(join(GPT2, 'base')), { task_type: 'CAUSAL_LM' });
  assert.deepEqual(wrapped(g), ['transformer.h.0.attn.c_attn', 'transformer.h.1.attn.c_attn']);
  assert.equal(g.activePeftConfig.fan_in_fan_out, true, 'Conv1D switches fan_in_fan_out on, as peft');
  const distil = await DistilBertForSequenceClassification.fromPretrained(sharedDir('fixtures/hf/models/distilbert_seqcls'));
  assert.throws(() => getPeftModel(distil, { task_type: 'SEQ_CLS' }), /Please specify `target_modules` in `peft_config`.*'distilbert'/);
  assert.equal(distil.namedModules().some(([, x]) => x instanceof LoraLayer), false, 'the base model is untouched');
});

test('\'all-linear\' wraps every Linear / Conv1D except the output head; layers_to_transform picks layers', async () => {
  const m = getPeftModel(await llama(), { target_modules: 'all-linear', task_type: 'CAUSAL_LM' });
  const w = wrapped(m);
  assert.equal(w.length, 2 * 7);
  assert.ok(!w.includes('lm_head'));
  assert.deepEqual([...(m.activePeftConfig.target_modules as string[])].sort(), ['down_proj', 'gate_proj', 'k_proj', 'o_proj', 'q_proj', 'up_proj', 'v_proj']);
  const g = getPeftModel(await GPT2LMHeadModel.fromPretrained(join(GPT2, 'base')), { target_modules: 'all-linear' });
  assert.deepEqual(wrapped(g).filter((k) => k.startsWith('transformer.h.0.')), ['transformer.h.0.attn.c_attn', 'transformer.h.0.attn.c_proj', 'transformer.h.0.mlp.c_fc', 'transformer.h.0.mlp.c_proj']);
  const one = getPeftModel(await llama(), { target_modules: ['q_proj'], layers_to_transform: [1], layers_pattern: 'layers' });
  assert.deepEqual(wrapped(one), ['model.layers.1.self_attn.q_proj']);
  const rx = getPeftModel(await llama(), { target_modules: String.raw`.*\.0\.mlp\.(up|down)_proj` });
  assert.deepEqual(wrapped(rx), ['model.layers.0.mlp.up_proj', 'model.layers.0.mlp.down_proj']);
  const pat = getPeftModel(await llama(), { target_modules: ['q_proj', 'v_proj'], r: 8, rank_pattern: { v_proj: 2 }, alpha_pattern: { 'layers\\.1\\.self_attn\\.q_proj': 32 } });
  const q1 = pat.getBaseModel().getSubmodule('model.layers.1.self_attn.q_proj') as LoraLinear;
  const v0 = pat.getBaseModel().getSubmodule('model.layers.0.self_attn.v_proj') as LoraLinear;
  assert.deepEqual([v0.r.default, v0.scaling.default, q1.r.default, q1.scaling.default], [2, 4, 8, 4]);
});

test('printTrainableParameters in peft\'s words; frozen base, trainable adapter', async () => {
  const m = await PeftModel.fromPretrained(await llama(), LLAMA, { isTrainable: true });
  const lines: string[] = [];
  const log = console.log;
  console.log = (s: string) => { lines.push(s); };
  try { m.printTrainableParameters(); } finally { console.log = log; }
  // reference.json: num_trainable_parameters 1664, num_parameters 36640 (peft 0.14's count)
  assert.deepEqual(lines, ['trainable params: 1,664 || all params: 36,640 || trainable%: 4.5415']);
  const frozen = await PeftModel.fromPretrained(await llama(), LLAMA);
  assert.equal(frozen.getNbTrainableParameters()[0], 0, 'isTrainable false: nothing trains');
});

test('disableAdapter gives the base model exactly; unload restores it exactly; merge / unmerge agree to 1e-5', async () => {
  torch.manualSeed(7); // init_lora_weights false draws A and B: fix them so the run is reproducible
  const base = await llama();
  const want = logits(base);
  const m = getPeftModel(base, { target_modules: ['q_proj', 'v_proj', 'down_proj'], init_lora_weights: false });
  const adapted = logits(m);
  assert.ok(maxDiff(adapted, want) > 1e-3, 'the adapter changes the output');
  assert.equal(maxDiff(m.disableAdapter(() => logits(m)), want), 0);
  {
    using _off = m.disableAdapter();
    assert.equal(maxDiff(logits(m), want), 0);
  }
  assert.equal(maxDiff(logits(m), adapted), 0, 'adapters are back after the scope');
  // an async function keeps them off until its promise settles (a probe that awaits between forwards)
  const later = await m.disableAdapter(async () => { await new Promise((r) => setTimeout(r, 5)); return logits(m); });
  assert.equal(maxDiff(later, want), 0, 'async disableAdapter: off across the await');
  assert.equal(maxDiff(logits(m), adapted), 0, 'and back on after it');
  await assert.rejects(m.disableAdapter(async () => { await Promise.resolve(); throw new Error('boom'); }), /boom/);
  assert.equal(maxDiff(logits(m), adapted), 0, 'back on after a rejected promise');
  m.mergeAdapter();
  assert.ok(maxDiff(logits(m), adapted) <= 1e-5, 'merged');
  m.unmergeAdapter();
  assert.ok(maxDiff(logits(m), adapted) <= 1e-5, 'unmerged');
  const back = m.unload();
  assert.equal(back, base);
  // W + s·BA − s·BA is W only to float32 rounding of W + s·BA: over 40 seeds the logits moved up
  // to 9.1e-7 (a CI machine saw more than 1e-6), so this gets the same bound as merge itself
  assert.ok(maxDiff(logits(back), want) <= 1e-5, 'unload after a merge / unmerge cycle');
  const fresh = getPeftModel(await llama(), { target_modules: ['q_proj'], init_lora_weights: false });
  const un = fresh.unload();
  assert.equal(maxDiff(logits(un), want), 0, 'unload of an unmerged adapter is the base model bit for bit');
  assert.equal(un.namedModules().some(([, x]) => x instanceof LoraLayer), false);
});

test('named adapters: add, switch, save in peft\'s layout (default in dir, others in dir/<name>), load back, delete', async () => {
  const m = getPeftModel(await llama(), { r: 4, target_modules: ['q_proj', 'v_proj'], init_lora_weights: false });
  m.addAdapter('other', { r: 2, target_modules: ['k_proj', 'q_proj'], init_lora_weights: false });
  assert.equal(m.activeAdapter, 'default');
  const a = logits(m);
  assert.ok(m.namedParameters().filter(([n, p]) => n.includes('.other.') && p.requiresGrad).length === 0, 'a new adapter starts inactive and frozen');
  m.setAdapter('other');
  const b = logits(m);
  assert.ok(maxDiff(a, b) > 1e-3);
  assert.ok(m.namedParameters().every(([n, p]) => p.requiresGrad === n.includes('.other.')), 'only the active adapter trains');
  const dir = tmpDir('tunekit-peft-');
  await m.savePretrained(dir);
  assert.deepEqual(readdirSync(dir).sort(), ['adapter_config.json', 'adapter_model.safetensors', 'other']);
  assert.deepEqual(readdirSync(join(dir, 'other')).sort(), ['adapter_config.json', 'adapter_model.safetensors']);

  const again = await PeftModel.fromPretrained(await llama(), dir);
  await again.loadAdapter(join(dir, 'other'), 'other');
  assert.equal(maxDiff(logits(again), a), 0, 'default adapter reloaded bit for bit');
  again.setAdapter('other');
  assert.equal(maxDiff(logits(again), b), 0, 'other adapter reloaded bit for bit');
  again.deleteAdapter('other');
  assert.equal(again.activeAdapter, 'default');
  assert.equal(maxDiff(logits(again), a), 0);
  assert.ok(!again.namedParameters().some(([n]) => n.includes('.other.')));
  assert.equal((again.getBaseModel().getSubmodule('model.layers.0.self_attn.k_proj') as object).constructor.name, 'Linear', 'k_proj had only "other": back to its base layer');
});

test('adapter_config.json carries peft\'s fields (sorted, indent 2) and reads back; unknown fields survive', async () => {
  const m = getPeftModel(await llama(), new LoraConfig({ r: 4, lora_alpha: 8, target_modules: ['v_proj', 'q_proj', 'down_proj'], task_type: 'CAUSAL_LM', init_lora_weights: false }));
  const dir = tmpDir('tunekit-peft-');
  await m.savePretrained(dir);
  const ours = JSON.parse(readFileSync(join(dir, 'adapter_config.json'), 'utf8')) as Record<string, unknown>;
  const peft014 = JSON.parse(readFileSync(join(LLAMA, 'adapter_config.json'), 'utf8')) as Record<string, unknown>;
  assert.deepEqual(Object.keys(ours), Object.keys(peft014), 'the same fields in the same order as peft 0.14 writes');
  assert.deepEqual({ ...ours, base_model_name_or_path: '' }, peft014, 'and the same values for the same config');
  const d = { ...peft014, some_future_field: { a: 1 } };
  const c = LoraConfig.fromDict(d);
  assert.deepEqual(c.toDict().some_future_field, { a: 1 });
});

test('bad input: clear errors naming the file or option, and the base model untouched', async () => {
  const base = await llama();
  const want = logits(base);
  const untouched = (): void => {
    assert.equal(base.namedModules().some(([, x]) => x instanceof LoraLayer), false, 'no LoRA layer left in the base model');
    assert.equal(maxDiff(logits(base), want), 0, 'base outputs unchanged');
  };
  assert.throws(() => getPeftModel(base, { target_modules: ['nope'] }), /Target modules \["nope"\] not found in the base model/);
  untouched();
  assert.throws(() => getPeftModel(base, { r: 0, target_modules: ['q_proj'] }), /r should be a positive integer value but the value passed is 0/);
  assert.throws(() => getPeftModel(base, { r: -2, target_modules: ['q_proj'], rank_pattern: {} }), /positive integer/);
  assert.throws(() => getPeftModel(base, { target_modules: ['q_proj'], rank_pattern: { q_proj: 0 } }), /rank_pattern value for 'q_proj' must be a positive integer/);
  assert.throws(() => getPeftModel(base, { target_modules: ['q_proj'], lora_dropout: 1.5 }), /lora_dropout must be in \[0, 1\)/);
  assert.throws(() => new LoraConfig({ target_modules: ['q_proj'], loraAlpha: 3 } as never), /unknown option 'loraAlpha'/);
  assert.throws(() => getPeftModel(base, { target_modules: 'model\\.embed_tokens|lm_head|model\\.norm' }), /model\.norm \(RMSNorm\) is not supported/);
  untouched();

  const make = (): string => {
    const dir = tmpDir('tunekit-peft-bad-');
    for (const f of ['adapter_config.json', 'adapter_model.safetensors']) copyFileSync(join(LLAMA, f), join(dir, f));
    return dir;
  };
  // a truncated weights file
  const trunc = make();
  truncateSync(join(trunc, 'adapter_model.safetensors'), statSync(join(trunc, 'adapter_model.safetensors')).size - 100);
  await assert.rejects(PeftModel.fromPretrained(base, trunc), (e: Error) => e.message.includes(join(trunc, 'adapter_model.safetensors')));
  untouched();
  // r in the config does not match the saved matrices: every mismatch is named with both shapes
  const rank = make();
  const cfg = JSON.parse(readFileSync(join(rank, 'adapter_config.json'), 'utf8')) as Record<string, unknown>;
  writeFileSync(join(rank, 'adapter_config.json'), JSON.stringify({ ...cfg, r: 8 }));
  await assert.rejects(PeftModel.fromPretrained(base, rank), /adapter_model\.safetensors: cannot load adapter 'default':[\s\S]*size mismatch for base_model\.model\.model\.layers\.0\.mlp\.down_proj\.lora_A\.weight: the file has shape \[4, 64\], the model \[8, 64\]/);
  untouched();
  // an adapter of another architecture (GPT-2's c_attn) onto Llama
  await assert.rejects(PeftModel.fromPretrained(base, GPT2), /adapter_config\.json: Target modules \["c_attn"\] not found in the base model/);
  untouched();
  // another base model's shapes (the Llama adapter onto a wider Llama)
  const wide = LlamaForCausalLM.fromConfig(new LlamaConfig({ ...(JSON.parse(readFileSync(join(LLAMA, 'base', 'config.json'), 'utf8')) as object), hidden_size: 64, intermediate_size: 96 } as never));
  await assert.rejects(PeftModel.fromPretrained(wide, LLAMA), /size mismatch for .*lora_A\.weight: the file has shape \[4, 32\], the model \[4, 64\]/);
  assert.equal(wide.namedModules().some(([, x]) => x instanceof LoraLayer), false);
  // not JSON, missing files, a non-LoRA peft type
  const broken = make();
  writeFileSync(join(broken, 'adapter_config.json'), '{"r": 4,');
  await assert.rejects(PeftModel.fromPretrained(base, broken), new RegExp(`${join(broken, 'adapter_config.json')}: not valid JSON`));
  const empty = tmpDir('tunekit-peft-empty-');
  await assert.rejects(PeftModel.fromPretrained(base, empty), /adapter_config\.json: cannot read the adapter config \(ENOENT\)/);
  const noWeights = tmpDir('tunekit-peft-nw-');
  copyFileSync(join(LLAMA, 'adapter_config.json'), join(noWeights, 'adapter_config.json'));
  await assert.rejects(PeftModel.fromPretrained(base, noWeights), /adapter_model\.safetensors: no such file/);
  const ia3 = make();
  writeFileSync(join(ia3, 'adapter_config.json'), JSON.stringify({ ...cfg, peft_type: 'IA3' }));
  await assert.rejects(PeftModel.fromPretrained(base, ia3), /peft_type is "IA3"; tunekit loads LORA adapters only/);
  // an extra key that belongs to nothing in the model
  const extra = make();
  const sd = await torch.safetensors.loadFile(join(extra, 'adapter_model.safetensors'));
  await torch.safetensors.saveFile({ ...sd, 'base_model.model.model.layers.9.self_attn.q_proj.lora_A.weight': torch.zeros([4, 32]) }, join(extra, 'adapter_model.safetensors'));
  await assert.rejects(PeftModel.fromPretrained(base, extra), /keys that are not in this model: base_model\.model\.model\.layers\.9/);
  untouched();
  assert.ok(existsSync(join(LLAMA, 'adapter_model.safetensors')));
});

test('a PeftModel on T5 (SEQ_2_SEQ_LM) generates through its base: generate(peft) = generate(base) while B = 0; the encoder and the label shift pass through', async () => {
  await import('../../src/generation/index.js'); // installs model.generate
  const { generate } = await import('../../src/generation/index.js');
  const { T5ForConditionalGeneration } = await import('../../src/models/t5/index.js');
  const dir = sharedDir('fixtures/hf/lora/t5_seq2seq_lm/base');
  const base = await T5ForConditionalGeneration.fromPretrained(dir);
  const want = generate(base, { input_ids: torch.tensor([[5, 9, 17, 3, 1]], { dtype: 'int64' }), max_new_tokens: 6, num_beams: 2 }).toArray();
  const peft = getPeftModel(await T5ForConditionalGeneration.fromPretrained(dir), { task_type: 'SEQ_2_SEQ_LM', r: 4 });
  assert.deepEqual(wrapped(peft).filter((k) => k.endsWith('.q')).length, 2 + 2 * 2, 'q in every encoder self-, decoder self- and cross-attention');
  const input = torch.tensor([[5, 9, 17, 3, 1]], { dtype: 'int64' });
  assert.deepEqual(generate(peft as never, { input_ids: input, max_new_tokens: 6, num_beams: 2 }).toArray(), want);
  assert.deepEqual((peft.generate({ input_ids: input, max_new_tokens: 6, num_beams: 2 }) as torch.Tensor).toArray(), want);
  assert.equal(peft.getEncoder(), base.constructor === T5ForConditionalGeneration ? (peft.getBaseModel() as unknown as { encoder: unknown }).encoder : null);
  const shifted = peft.prepareDecoderInputIdsFromLabels(torch.tensor([[7, 8, -100]], { dtype: 'int64' })) as torch.Tensor;
  assert.deepEqual(shifted.toArray(), [[0, 7, 8]]);
  const llamaPeft = getPeftModel(await llama(), { task_type: 'CAUSAL_LM' });
  assert.throws(() => llamaPeft.getEncoder(), /LlamaForCausalLM has no getEncoder\(\) \(not an encoder-decoder model\)/);
});
