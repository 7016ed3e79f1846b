// Seq2SeqTrainingArguments and Seq2SeqTrainer against transformers' own (test/fixtures/seq2seq, made by
// scripts/fixtures/gen_seq2seq_trainer.py; README there): the arguments' fields, an 8-step T5 run with an
// in-training generating evaluation, evaluate() / predict() with predict_with_generate (padding of generated
// ids and labels, across batches too), metrics from the decoded predictions, and the bad inputs.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { mkdtempSync, readFileSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import * as torch from '../../src/torch/index.js';
import { Tensor } from '../../src/torch/index.js';
import { GenerationConfig } from '../../src/generation/index.js';
import { T5ForConditionalGeneration } from '../../src/models/t5/index.js';
import { DataCollatorForSeq2Seq, type Batch, type Feature } from '../../src/data/collators/index.js';
import { bleu, rouge, sacrebleu } from '../../src/metrics/index.js';
import {
  TRAINING_ARGUMENT_FIELDS as FIELDS_OF_TRAINING_ARGS, PrinterCallback, ProgressCallback, SEQ2SEQ_FIELDS, Seq2SeqTrainer, Seq2SeqTrainingArguments,
  TrainingArguments, toNested, type EvalPrediction, type NDArray, type Seq2SeqTrainerOptions, type Seq2SeqTrainingArgumentsInit,
} from '../../src/trainer/index.js';
import { assertClose, sharedDir } from '../helpers.js';

const FIX = new URL('../fixtures/seq2seq/', import.meta.url);
const read = <T>(name: string): T => JSON.parse(readFileSync(new URL(name, FIX), 'utf8')) as T;
const MODEL_DIR = sharedDir('fixtures/hf/models/t5_seq2seq');
type Row = { input_ids: number[]; labels?: number[] };
type Seen = { predictions: number[][]; label_ids: number[][]; decoded_predictions: string[]; decoded_labels: string[] };
const data = read<{ train: Row[]; eval: Row[] }>('data.json');

/** The fixture's WordLevel tokenizer as the collator and the trainer see it (pad 0, eos 1, <unk> 2). */
const TOK = { padTokenId: 0, eosTokenId: 1, length: 128, paddingSide: 'right' as const, modelInputNames: ['input_ids', 'attention_mask'] };
/** decode(ids, skip_special_tokens=True) of that tokenizer, after HF's examples' -100 -> pad. */
const decode = (ids: number[]): string => ids.filter((i) => i > 2).map((i) => `w${i}`).join(' ');
const rows = (a: NDArray | NDArray[] | null): number[][] => toNested(a as NDArray) as number[][];
const tmp = (): string => mkdtempSync(join(tmpdir(), 'tk-s2s-'));
const loadModel = (): Promise<T5ForConditionalGeneration> => T5ForConditionalGeneration.fromPretrained(MODEL_DIR) as Promise<T5ForConditionalGeneration>;

/** The fixture's compute_metrics: records what it received; gen_len and exact_match as the generator computes them. */
function recordingMetrics(seen: Seen[]) {
  return (p: EvalPrediction): Record<string, number> => {
    const preds = rows(p.predictions).map((r) => r.map((x) => (x === -100 ? 0 : x)));
    const labels = rows(p.label_ids).map((r) => r.map((x) => (x === -100 ? 0 : x)));
    const dp = preds.map(decode), dl = labels.map(decode);
    seen.push({ predictions: rows(p.predictions), label_ids: rows(p.label_ids), decoded_predictions: dp, decoded_labels: dl });
    return {
      gen_len: preds.reduce((s, r) => s + r.filter((x) => x !== 0).length, 0) / preds.length,
      exact_match: dp.reduce((s, d, i) => s + (d === dl[i] ? 1 : 0), 0) / dp.length,
    };
  };
}

function quiet<T extends Seq2SeqTrainer>(t: T): T {
  t.removeCallback(PrinterCallback);
  t.removeCallback(ProgressCallback);
  return t;
}

async function makeTrainer(args: Seq2SeqTrainingArgumentsInit, extra: Partial<Seq2SeqTrainerOptions> = {}, seen: Seen[] = []) {
  const model = await loadModel();
  const trainer = quiet(new Seq2SeqTrainer({
    model, args: new Seq2SeqTrainingArguments(args), processingClass: TOK,
    dataCollator: new DataCollatorForSeq2Seq({ tokenizer: TOK, model }), computeMetrics: recordingMetrics(seen), ...extra,
  }));
  return { model, trainer, seen };
}

// ---------------------------------------------------------------- (a) the arguments

test('Seq2SeqTrainingArguments: the fields transformers adds, in its order, with its defaults', () => {
  const ref = read<{ own_fields: string[]; defaults: Record<string, unknown>; to_dict_generation_config_subset: Record<string, unknown> }>('args.json');
  assert.deepEqual(Object.keys(SEQ2SEQ_FIELDS), ref.own_fields);
  const a = new Seq2SeqTrainingArguments({ output_dir: 'out' });
  for (const [k, v] of Object.entries(ref.defaults)) assert.deepEqual((a as unknown as Record<string, unknown>)[k], v, k);
  // HF's dataclass order: every TrainingArguments field, then these (tunekit's HF-only-default fields follow)
  const keys = Object.keys(a.toDict());
  assert.deepEqual(keys.slice(0, FIELDS_OF_TRAINING_ARGS.length), FIELDS_OF_TRAINING_ARGS);
  assert.deepEqual(keys.slice(FIELDS_OF_TRAINING_ARGS.length, FIELDS_OF_TRAINING_ARGS.length + 5), ref.own_fields);
  // base fields keep TrainingArguments' defaults
  const base = new TrainingArguments({ output_dir: 'out' }).toDict();
  for (const k of FIELDS_OF_TRAINING_ARGS) assert.deepEqual(a.toDict()[k], base[k], k);

  // to_dict writes a GenerationConfig as its dict (HF); training_args.json reads back into a GenerationConfig
  const b = new Seq2SeqTrainingArguments({ output_dir: 'out', predict_with_generate: true, generation_config: new GenerationConfig({ max_length: 7, num_beams: 3 }) });
  const d = JSON.parse(b.toJsonString()) as Record<string, Record<string, unknown>>;
  assert.equal(d.generation_config!.max_length, ref.to_dict_generation_config_subset.max_length);
  assert.equal(d.generation_config!.num_beams, ref.to_dict_generation_config_subset.num_beams);
  const back = Seq2SeqTrainingArguments.fromDict(d);
  assert.ok(back instanceof Seq2SeqTrainingArguments && back.generation_config instanceof GenerationConfig);
  assert.deepEqual([back.generation_config.max_length, back.generation_config.num_beams, back.predict_with_generate], [7, 3, true]);
  assert.deepEqual(JSON.parse(back.toJsonString()), d);
  const r = b.replace({ generation_num_beams: 4 });
  assert.ok(r instanceof Seq2SeqTrainingArguments);
  assert.deepEqual([r.generation_num_beams, (r.generation_config as GenerationConfig).max_length], [4, 7]);
});

test('Seq2SeqTrainingArguments: bad values are errors naming the field', () => {
  assert.throws(() => new Seq2SeqTrainingArguments({ output_dir: 'o', predict_with_generation: true } as never), /unknown field 'predict_with_generation' \(did you mean 'predict_with_generate'\?\)/);
  assert.throws(() => new Seq2SeqTrainingArguments({ output_dir: 'o', generation_num_beams: 0 }), /generation_num_beams must be a positive integer/);
  assert.throws(() => new Seq2SeqTrainingArguments({ output_dir: 'o', generation_max_length: 2.5 }), /generation_max_length must be an integer/);
  assert.throws(() => new Seq2SeqTrainingArguments({ output_dir: 'o', generation_config: 5 as never }), /generation_config must be a path/);
  assert.throws(() => new Seq2SeqTrainingArguments({ output_dir: 'o', generation_config: { num_beams: 'x' } }), /generation_config is not a valid GenerationConfig dict/);
});

test('Seq2SeqTrainer: generation_config (a folder, a file or a GenerationConfig) replaces the model\'s; plain TrainingArguments are refused', async () => {
  const dir = tmp();
  writeFileSync(join(dir, 'generation_config.json'), JSON.stringify({ decoder_start_token_id: 0, eos_token_id: 1, pad_token_id: 0, max_length: 7, num_beams: 2 }));
  for (const gc of [dir, join(dir, 'generation_config.json'), new GenerationConfig({ max_length: 7, num_beams: 2, decoder_start_token_id: 0 })]) {
    const { model } = await makeTrainer({ output_dir: tmp(), generation_config: gc });
    assert.deepEqual([model.generation_config.max_length, model.generation_config.num_beams], [7, 2]);
  }
  await assert.rejects(makeTrainer({ output_dir: tmp(), generation_config: join(dir, 'missing') }), /generation_config: no folder or file at/);
  const model = await loadModel();
  assert.throws(() => new Seq2SeqTrainer({ model, args: new TrainingArguments({ output_dir: 'o' }) as never }), /args must be a Seq2SeqTrainingArguments/);
});

// ---------------------------------------------------------------- (b) training

interface TrainRef {
  training_arguments: Seq2SeqTrainingArgumentsInit; micro_batch_losses: number[]; decay_parameter_names: string[]; evaluations: Seen[];
  log_history: { loss?: number; grad_norm?: number; eval_loss?: number; eval_gen_len?: number; eval_exact_match?: number; epoch: number; step: number }[];
}

class RecordingTrainer extends Seq2SeqTrainer {
  micro: number[] = [];
  protected override trainingStep(inputs: Batch, n: Tensor | null): Tensor {
    const loss = super.trainingStep(inputs, n);
    this.micro.push(loss.item());
    return loss;
  }
}

test('Seq2SeqTrainer on T5 reproduces transformers\' 8-step run: losses, grad norms, and the generating evaluations at steps 4 and 8', async () => {
  const ref = read<TrainRef>('train.json');
  const model = await loadModel();
  const seen: Seen[] = [];
  const trainer = quiet(new RecordingTrainer({
    model, args: new Seq2SeqTrainingArguments({ ...ref.training_arguments, output_dir: tmp() }), processingClass: TOK,
    trainDataset: data.train as Feature[], evalDataset: data.eval as Feature[], trainSampler: 'sequential',
    dataCollator: new DataCollatorForSeq2Seq({ tokenizer: TOK, model }), computeMetrics: recordingMetrics(seen),
  }));
  // HF's weight-decay split (its list also names the tied copies of shared.weight that namedParameters() leaves out)
  const names = model.namedParameters().map(([n]) => n);
  const decayed = new Set(trainer.createOptimizer().paramGroups[0]!.params);
  const ours = model.namedParameters().filter(([, p]) => decayed.has(p)).map(([n]) => n);
  assert.deepEqual(ours, ref.decay_parameter_names.filter((n) => names.includes(n)));
  await trainer.train();
  // float32 T5 on CPU, different kernels: the losses agree to ~1e-6; 1e-5 is the brief's bound
  assertClose(trainer.micro, ref.micro_batch_losses, { rtol: 0, atol: 1e-5, msg: 'micro-batch losses' });
  const logged = trainer.state.log_history.filter((e) => 'loss' in e || 'eval_loss' in e);
  assert.equal(logged.length, ref.log_history.length);
  ref.log_history.forEach((h, i) => {
    const o = logged[i]! as Record<string, number>;
    assert.equal(o.step, h.step, `log ${i}: step`);
    assert.equal(o.epoch, h.epoch, `log ${i}: epoch`);
    if (h.grad_norm !== undefined) assertClose(o.grad_norm!, h.grad_norm, { rtol: 1e-5, atol: 0, msg: `step ${h.step}: grad_norm` });
    if (h.eval_loss !== undefined) {
      assertClose(o.eval_loss!, h.eval_loss, { rtol: 0, atol: 1e-5, msg: `step ${h.step}: eval_loss` });
      assert.deepEqual([o.eval_gen_len, o.eval_exact_match], [h.eval_gen_len, h.eval_exact_match], `step ${h.step}: eval metrics`);
    }
  });
  // the generated ids after 4 and 8 updates (generation_max_length 12, padded to 20) and the padded labels
  assert.equal(seen.length, 2);
  seen.forEach((s, i) => {
    assert.deepEqual(s.predictions, ref.evaluations[i]!.predictions, `evaluation ${i}: predictions`);
    assert.deepEqual(s.label_ids, ref.evaluations[i]!.label_ids, `evaluation ${i}: label_ids`);
    assert.deepEqual(s.decoded_predictions, ref.evaluations[i]!.decoded_predictions, `evaluation ${i}: decoded`);
  });
});

// ---------------------------------------------------------------- (c) evaluate / predict with generate

interface EvalCase {
  arguments: Partial<Seq2SeqTrainingArgumentsInit>; method: 'evaluate' | 'predict'; gen_kwargs: Record<string, unknown>; labels_dropped: boolean;
  metrics: Record<string, number>; metric_keys: string[]; compute_metrics_calls: Seen[]; predictions?: number[][]; label_ids?: number[][] | null;
  generate_per_batch: number[][][]; plain_collator_error?: string | null;
}
const CASES = read<Record<string, EvalCase>>('eval.json');
const COMMON = { report_to: 'none', use_cpu: true, seed: 42, save_strategy: 'no', disable_tqdm: true, per_device_eval_batch_size: 2 } as const;
/** HF-only metric keys (README): 5.18's model-preparation time, and the epoch of an untrained trainer. */
const comparable = (keys: string[]): string[] => keys.filter((k) => !/(_runtime|_per_second|_model_preparation_time)$/.test(k) && k !== 'epoch').sort();

for (const [name, c] of Object.entries(CASES).filter(([n]) => n !== 'default_length')) {
  test(`predict_with_generate '${name}': transformers' predictions, labels, loss and metrics`, async () => {
    const { model, trainer, seen } = await makeTrainer({ ...COMMON, output_dir: tmp(), predict_with_generate: true, ...c.arguments });
    const ds = (c.labels_dropped ? data.eval.map((r) => ({ input_ids: r.input_ids })) : data.eval) as Feature[];
    let metrics: Record<string, number>;
    if (c.method === 'evaluate') metrics = trainer.evaluate(ds, c.gen_kwargs);
    else {
      const out = trainer.predict(ds, c.gen_kwargs);
      metrics = out.metrics;
      assert.deepEqual(rows(out.predictions), c.predictions, 'predictions');
      assert.deepEqual(out.label_ids === null ? null : rows(out.label_ids), c.label_ids, 'label_ids');
    }
    assert.deepEqual(comparable(Object.keys(metrics)), comparable(c.metric_keys), 'metric keys');
    for (const [k, v] of Object.entries(c.metrics)) {
      if (!comparable([k]).length) continue;
      if (k.endsWith('_loss')) assertClose(metrics[k]!, v, { rtol: 0, atol: 1e-5, msg: k });
      else assert.equal(metrics[k], v, k);
    }
    assert.equal(seen.length, c.compute_metrics_calls.length, 'compute_metrics calls');
    seen.forEach((s, i) => assert.deepEqual(s, c.compute_metrics_calls[i], `compute_metrics call ${i}`));
    // the predictions are model.generate() of each batch (tunekit's equals transformers'), padded
    const gen: Record<string, unknown> = { ...c.gen_kwargs };
    if (gen.max_length === undefined && gen.max_new_tokens === undefined && c.arguments.generation_max_length) gen.max_length = c.arguments.generation_max_length;
    if (gen.num_beams === undefined && c.arguments.generation_num_beams) gen.num_beams = c.arguments.generation_num_beams;
    const collate = new DataCollatorForSeq2Seq({ tokenizer: TOK });
    const preds = c.predictions ?? c.compute_metrics_calls[0]!.predictions;
    for (let b = 0; b * 2 < ds.length; b++) {
      const batch = collate.collate(ds.slice(2 * b, 2 * b + 2).map((r) => ({ input_ids: r.input_ids })));
      const ids = model.generate({ input_ids: batch.input_ids!, attention_mask: batch.attention_mask!, ...gen }).toArray() as number[][];
      assert.deepEqual(ids, c.generate_per_batch[b], `batch ${b}: model.generate()`);
      ids.forEach((r, i) => assert.deepEqual(preds[2 * b + i]!.slice(0, r.length), r, `batch ${b} row ${i}: prediction = generate()`));
    }
  });
}

test('predict_with_generate: BLEU, sacreBLEU and ROUGE from evaluate() equal the metrics of model.generate()\'s decoded output', async () => {
  const model = await loadModel();
  const collate = new DataCollatorForSeq2Seq({ tokenizer: TOK });
  // targets that share n-grams with what the untrained model generates (max_length 12): its tokens, every fifth changed
  const generated: number[][] = [];
  for (let b = 0; b < data.eval.length; b += 2) {
    const batch = collate.collate(data.eval.slice(b, b + 2).map((r) => ({ input_ids: r.input_ids })));
    generated.push(...(model.generate({ input_ids: batch.input_ids!, attention_mask: batch.attention_mask!, max_length: 12 }).toArray() as number[][]));
  }
  const ds = data.eval.map((r, i) => ({ input_ids: r.input_ids, labels: [...generated[i]!.slice(1, 9).map((t, j) => (j % 5 === 4 ? 3 + ((t + i) % 120) : t)), 1] }));
  const direct = (preds: string[], refs: string[]): Record<string, number> => ({ bleu: bleu(preds, refs).bleu, sacrebleu: sacrebleu(preds, refs).score, ...rouge(preds, refs) });
  const want = direct(generated.map(decode), ds.map((r) => decode(r.labels)));
  assert.ok(want.bleu! > 0.1 && want.rougeL! > 0.3, `the targets overlap the generations (bleu ${want.bleu}, rougeL ${want.rougeL})`);
  const trainer = quiet(new Seq2SeqTrainer({
    model, args: new Seq2SeqTrainingArguments({ ...COMMON, output_dir: tmp(), predict_with_generate: true, generation_max_length: 12 }),
    processingClass: TOK, dataCollator: new DataCollatorForSeq2Seq({ tokenizer: TOK, model }),
    computeMetrics: (p) => direct(rows(p.predictions).map((r) => decode(r.map((x) => (x === -100 ? 0 : x)))),
      rows(p.label_ids).map((r) => decode(r.map((x) => (x === -100 ? 0 : x))))),
  }));
  const m = trainer.evaluate(ds as Feature[]);
  for (const [k, v] of Object.entries(want)) assert.equal(m[`eval_${k}`], v, k);
});

// ---------------------------------------------------------------- (d) bad and edge inputs

test('labels longer than max_length are kept whole; shorter ones padded with the pad id to 20, then -100 across batches', () => {
  const c = CASES.greedy_generation_max_length!.compute_metrics_calls[0]!;
  const long = data.eval[4]!.labels!;
  assert.equal(long.length, 23);
  assert.deepEqual(c.label_ids[4], long, 'the 23-id target is not cut to generation_max_length 12 nor to max_length 20');
  const row0 = c.label_ids[0]!, n0 = data.eval[0]!.labels!.length, b0 = Math.max(n0, data.eval[1]!.labels!.length);
  assert.deepEqual(row0, [...data.eval[0]!.labels!, ...Array(b0 - n0).fill(-100), ...Array(20 - b0).fill(0), -100, -100, -100]);
  assert.ok(c.predictions.every((r) => r.length === 20 && r[0] === 0 && r.slice(12).every((x) => x === 0)), 'generated 12 ids (start token included), padded to 20 with 0');
});

test('no labels: predict() returns the generated ids, no loss, no metrics (HF\'s collator would put labels=None and fail)', () => {
  const c = CASES.no_labels!;
  assert.match(c.plain_collator_error ?? '', /input_ids or inputs_embeds/, 'HF with DataCollatorForSeq2Seq fails in the decoder');
  assert.equal(c.label_ids, null);
  assert.equal(c.compute_metrics_calls.length, 0);
  assert.ok(!c.metric_keys.includes('test_loss'));
  // the run itself is the 'no_labels' case above
});

test('no decoder_start_token_id: a clear error from the collator (with labels) and from generate() (without)', async () => {
  const { model, trainer } = await makeTrainer({ ...COMMON, output_dir: tmp(), predict_with_generate: true, generation_max_length: 8 });
  (model.config as unknown as { decoder_start_token_id: number | null }).decoder_start_token_id = null;
  model.generation_config = new GenerationConfig({ pad_token_id: 0, eos_token_id: 1 });
  assert.throws(() => trainer.evaluate(data.eval as Feature[]), /decoder_start_token_id has to be defined/);
  assert.throws(() => trainer.predict(data.eval.map((r) => ({ input_ids: r.input_ids })) as Feature[]), /needs decoder_start_token_id/);
});

test('without any length setting: 21 ids per row (20 new + the start token), longer than max_length 20 so not padded (4.47 on every batch)', async () => {
  const c = CASES.default_length!;
  const { trainer, seen } = await makeTrainer({ ...COMMON, output_dir: tmp(), predict_with_generate: true });
  const m = trainer.evaluate(data.eval as Feature[]);
  const hf = c.compute_metrics_calls[0]!;
  // every batch is model.generate()'s 21 ids (tunekit's generate() equals transformers' on each batch)
  assert.deepEqual(seen[0]!.predictions, c.generate_per_batch.flat());
  // 5.18's prediction_step writes max_length 20 into model.generation_config after the first batch
  // (update(defaults_only=True)), so its later batches stop at 20 ids (+ -100); 4.47 leaves the config
  // alone. Only the first batch is comparable with the fixture's trainer run (README).
  assert.deepEqual(seen[0]!.predictions.slice(0, 2), hf.predictions.slice(0, 2));
  assert.deepEqual(hf.predictions.slice(2).map((r) => r.at(-1)), [-100, -100, -100], 'the 5.18 artifact the fixture records');
  assert.deepEqual(seen[0]!.label_ids, hf.label_ids, 'labels padded to 20 with the pad id, the 23-id target kept');
  assertClose(m.eval_loss!, c.metrics.eval_loss!, { rtol: 0, atol: 1e-5, msg: 'eval_loss' });
});

test('prediction_loss_only / no computeMetrics: evaluate() does not generate (the base prediction step)', async () => {
  const { model, trainer } = await makeTrainer({ ...COMMON, output_dir: tmp(), predict_with_generate: true }, { computeMetrics: undefined });
  let calls = 0;
  const orig = model.generate.bind(model);
  (model as unknown as { generate: typeof orig }).generate = ((x: never) => { calls++; return orig(x); }) as typeof orig;
  const m = trainer.evaluate(data.eval as Feature[]);
  assert.equal(calls, 0);
  assert.ok(Number.isFinite(m.eval_loss));
  assertClose(m.eval_loss!, CASES.greedy_generation_max_length!.metrics.eval_loss!, { rtol: 0, atol: 1e-5, msg: 'eval_loss' });
});

test('a training forward skips the logits (chunked loss: the same loss and gradients); the model keeps lossType nll; computeLossFunc gets the logits', async () => {
  const { model, trainer } = await makeTrainer({ output_dir: tmp(), report_to: 'none', use_cpu: true });
  const collate = new DataCollatorForSeq2Seq({ tokenizer: TOK, model });
  const batch = collate.collate(data.train.slice(0, 4).map((r) => ({ ...r })) as never);
  model.train();
  const grads = (run: () => { loss: Tensor; outputs: Record<string, unknown> }): { loss: number; width: number; grads: number[] } => torch.tidy(() => {
    model.zeroGrad();
    const { loss, outputs } = run();
    loss.backward();
    const g = model.parameters().map((p) => p.grad!.norm().item());
    return { loss: loss.item(), width: (outputs.logits as Tensor).size(1), grads: g };
  });
  const viaTrainer = grads(() => trainer.computeLoss(batch) as never);
  assert.equal(model.lossType, 'nll', 'restored after the forward');
  const plain = grads(() => { const o = model.forward(batch as never); return { loss: o.loss!, outputs: o as never }; });
  assert.equal(viaTrainer.width, 0, 'no logits made in the trainer\'s training forward');
  assert.ok(plain.width > 0);
  assert.ok(Math.abs(viaTrainer.loss - plain.loss) < 1e-5, `${viaTrainer.loss} vs ${plain.loss}`);
  viaTrainer.grads.forEach((g, i) => assert.ok(Math.abs(g - plain.grads[i]!) <= 1e-5 * Math.max(1, plain.grads[i]!), `param ${i}: ${g} vs ${plain.grads[i]}`));
  // a computeLossFunc reads the logits: the full forward runs
  let seenWidth = -1;
  const { trainer: withFunc } = await makeTrainer({ output_dir: tmp(), report_to: 'none', use_cpu: true }, {
    computeLossFunc: (outputs: { logits: Tensor }, labels: Tensor) => { seenWidth = outputs.logits.size(1); return torch.F.crossEntropy(outputs.logits.reshape(-1, outputs.logits.size(-1)), labels.reshape(-1), { ignoreIndex: -100 }); },
  } as never);
  torch.tidy(() => { withFunc.computeLoss({ ...batch } as Batch); });
  assert.ok(seenWidth > 0, 'computeLossFunc saw full logits');
  model.zeroGrad();
});
