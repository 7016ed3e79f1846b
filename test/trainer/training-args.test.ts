// TrainingArguments: HF 4.47 defaults, derived values, validation messages, JSON round trip;
// trainer_state.json in Python's json.dumps format; Python's round; nested_concat padding.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { readFileSync } from 'node:fs';
import { TrainingArguments, TrainerState, pythonJson, parsePythonJson, pyRound, nestedConcat, argmax, type NDArray } from '../../src/trainer/index.js';
import { sharedDir } from '../helpers.js';

test('defaults are transformers 4.47 defaults', () => {
  const a = new TrainingArguments({ output_dir: 'out' });
  assert.equal(a.learning_rate, 5e-5);
  assert.equal(a.per_device_train_batch_size, 8);
  assert.equal(a.per_device_eval_batch_size, 8);
  assert.equal(a.gradient_accumulation_steps, 1);
  assert.equal(a.num_train_epochs, 3);
  assert.equal(a.max_steps, -1);
  assert.equal(a.weight_decay, 0);
  assert.deepEqual([a.adam_beta1, a.adam_beta2, a.adam_epsilon], [0.9, 0.999, 1e-8]);
  assert.equal(a.max_grad_norm, 1.0);
  assert.equal(a.lr_scheduler_type, 'linear');
  assert.deepEqual(a.lr_scheduler_kwargs, {});
  assert.equal(a.logging_strategy, 'steps');
  assert.equal(a.logging_steps, 500);
  assert.equal(a.save_strategy, 'steps');
  assert.equal(a.save_steps, 500);
  assert.equal(a.eval_strategy, 'no');
  assert.equal(a.eval_steps, null);
  assert.equal(a.seed, 42);
  assert.equal(a.optim, 'adamw_torch');
  assert.equal(a.remove_unused_columns, true);
  assert.equal(a.length_column_name, 'length');
  assert.deepEqual(a.report_to, []); // None is transformers 5.x's default 'none'
  assert.equal(a.run_name, 'out');
  assert.equal(a.metric_for_best_model, null);
  assert.equal(a.greater_is_better, null);
  assert.equal(a.train_batch_size, 8);
  assert.equal(a.device, 'cpu' === a.device ? 'cpu' : a.device);
});

test('derived values: eval_steps <- logging_steps, do_eval, metric_for_best_model, greater_is_better, warmup', () => {
  const a = new TrainingArguments({ output_dir: 'o', eval_strategy: 'steps', logging_steps: 7 });
  assert.equal(a.eval_steps, 7);
  assert.equal(a.do_eval, true);
  const b = new TrainingArguments({ output_dir: 'o', eval_strategy: 'epoch', save_strategy: 'epoch', load_best_model_at_end: true });
  assert.equal(b.metric_for_best_model, 'loss');
  assert.equal(b.greater_is_better, false);
  const c = new TrainingArguments({ output_dir: 'o', metric_for_best_model: 'accuracy' });
  assert.equal(c.greater_is_better, true);
  assert.equal(new TrainingArguments({ output_dir: 'o', warmup_ratio: 0.1 }).getWarmupSteps(95), 10); // ceil(9.5)
  assert.equal(new TrainingArguments({ output_dir: 'o', warmup_ratio: 0.1, warmup_steps: 3 }).getWarmupSteps(95), 3);
  assert.equal(new TrainingArguments({ output_dir: 'o', evaluation_strategy: 'epoch' }).eval_strategy, 'epoch'); // deprecated alias
  assert.deepEqual(new TrainingArguments({ output_dir: 'o', report_to: 'none' }).report_to, []);
  assert.deepEqual(new TrainingArguments({ output_dir: 'o', lr_scheduler_kwargs: '{"num_cycles": 2}' as never }).lr_scheduler_kwargs, { num_cycles: 2 }); // as from the CLI
});

test('unknown fields are errors that name the closest known field', () => {
  assert.throws(() => new TrainingArguments({ output_dir: 'o', learnig_rate: 1e-3 } as never), /unknown field 'learnig_rate' \(did you mean 'learning_rate'\?\)/);
  assert.throws(() => new TrainingArguments({ output_dir: 'o', per_device_batch_size: 4 } as never), /did you mean 'per_device_(train|eval)_batch_size'/);
  assert.throws(() => new TrainingArguments({ output_dir: 'o', zzz: 1 } as never), /unknown field 'zzz'$/);
  assert.throws(() => new TrainingArguments({} as never), /output_dir is required/);
});

test('HF-only fields load at their defaults and are rejected otherwise', () => {
  const a = new TrainingArguments({ output_dir: 'o', torch_compile: false, deepspeed: null, dataloader_pin_memory: true, fsdp: '' });
  assert.equal(a.output_dir, 'o');
  assert.throws(() => new TrainingArguments({ output_dir: 'o', torch_compile: true }), /'torch_compile' is a transformers TrainingArguments field that tunekit does not implement; only its default false/);
  assert.throws(() => new TrainingArguments({ output_dir: 'o', label_smoothing_factor: 0.1 }), /label_smoothing_factor/);
  assert.throws(() => new TrainingArguments({ output_dir: 'o', report_to: 'wandb' }), /report_to 'wandb' is not supported/);
  assert.throws(() => new TrainingArguments({ output_dir: 'o', optim: 'adafactor' as never }), /optim must be one of 'adamw_torch', 'adamw_torch_fused', 'sgd'/);
  assert.throws(() => new TrainingArguments({ output_dir: 'o', lr_scheduler_type: 'reduce_lr_on_plateau' as never }), /lr_scheduler_type must be one of/);
  assert.throws(() => new TrainingArguments({ output_dir: 'o', dataloader_num_workers: 2 }), /dataloader_num_workers must be 0/);
});

test("contradictory settings raise HF's messages", () => {
  const o = { output_dir: 'o' };
  assert.throws(() => new TrainingArguments({ ...o, eval_strategy: 'steps', eval_steps: 0, logging_steps: 0, logging_strategy: 'no' }),
    { message: 'evaluation strategy steps requires either non-zero --eval_steps or --logging_steps' });
  assert.throws(() => new TrainingArguments({ ...o, logging_steps: 0 }), { message: 'logging strategy steps requires non-zero --logging_steps' });
  assert.throws(() => new TrainingArguments({ ...o, logging_steps: 2.5 }), { message: '--logging_steps must be an integer if bigger than 1: 2.5' });
  assert.throws(() => new TrainingArguments({ ...o, load_best_model_at_end: true, eval_strategy: 'epoch', save_strategy: 'steps' }),
    { message: '--load_best_model_at_end requires the save and eval strategy to match, but found\n- Evaluation strategy: epoch\n- Save strategy: steps' });
  assert.throws(() => new TrainingArguments({ ...o, load_best_model_at_end: true, eval_strategy: 'steps', eval_steps: 4, save_steps: 6 }),
    { message: '--load_best_model_at_end requires the saving steps to be a round multiple of the evaluation steps, but found 6, which is not a round multiple of 4.' });
  assert.doesNotThrow(() => new TrainingArguments({ ...o, load_best_model_at_end: true, eval_strategy: 'steps', eval_steps: 4, save_steps: 8 }));
  assert.throws(() => new TrainingArguments({ ...o, load_best_model_at_end: true, eval_strategy: 'steps', eval_steps: 0.3, save_steps: 10 }),
    /which cannot get guaranteed when mixing ratio and absolute steps for save_steps 10 and eval_steps 0.3/);
  assert.doesNotThrow(() => new TrainingArguments({ ...o, load_best_model_at_end: true, eval_strategy: 'steps', eval_steps: 0.1, save_steps: 0.3 }));
  assert.throws(() => new TrainingArguments({ ...o, warmup_ratio: 1.5 }), { message: 'warmup_ratio must lie in range [0,1]' });
  assert.throws(() => new TrainingArguments({ ...o, fp16: true, bf16: true }), { message: 'At most one of fp16 and bf16 can be True, but not both' });
  assert.throws(() => new TrainingArguments({ ...o, learning_rate: -1 }), /learning_rate must be >= 0, got -1/);
  assert.throws(() => new TrainingArguments({ ...o, per_device_train_batch_size: 0 }), /per_device_train_batch_size must be >= 1/);
  assert.throws(() => new TrainingArguments({ ...o, gradient_accumulation_steps: 1.5 }), /gradient_accumulation_steps must be an integer/);
  assert.throws(() => new TrainingArguments({ ...o, warmup_steps: -2 }), /warmup_steps must be of type int and must be 0 or a positive integer/);
  assert.throws(() => new TrainingArguments({ ...o, max_steps: 0 }), /max_steps must be a positive integer or -1/);
  assert.throws(() => new TrainingArguments({ ...o, save_strategy: 'best' }), /metric_for_best_model` must be provided/);
  assert.throws(() => new TrainingArguments({ ...o, learning_rate: '1e-3' as never }), /learning_rate must be a number, got "1e-3"/);
});

test('toDict / training_args.json round trip', () => {
  const a = new TrainingArguments({ output_dir: 'o', learning_rate: 1e-3, eval_strategy: 'steps', eval_steps: 5, lr_scheduler_kwargs: { num_cycles: 2 } });
  const json = JSON.parse(JSON.stringify(a)) as Record<string, unknown>;
  assert.equal(json.learning_rate, 1e-3);
  assert.equal(json.torch_compile, false); // HF-only fields are written at their defaults
  const b = TrainingArguments.fromDict(json);
  assert.deepEqual(b.toDict(), a.toDict());
  assert.equal(a.replace({ learning_rate: 2e-3 }).learning_rate, 2e-3);
});

test("pythonJson re-creates HF's trainer_state.json byte for byte", () => {
  const path = sharedDir('fixtures/hf/training/bert_seqcls_ga_mean/trainer_state.json');
  const text = readFileSync(path, 'utf8');
  assert.equal(pythonJson(parsePythonJson(text)) + '\n', text);
  // and through TrainerState (its fields are HF's keys)
  assert.equal(TrainerState.fromDict(parsePythonJson(text) as Record<string, unknown>).toJsonString(), text);
  assert.equal(pythonJson({ a: 1e-5, b: 2, step: 3, c: [], d: {}, e: 'é', f: NaN, g: 1e16 }),
    '{\n  "a": 1e-05,\n  "b": 2.0,\n  "c": [],\n  "d": {},\n  "e": "\\u00e9",\n  "f": NaN,\n  "g": 1e+16,\n  "step": 3\n}');
  assert.deepEqual(parsePythonJson('{"a": NaN, "b": [Infinity, -Infinity], "c": "NaN"}'), { a: NaN, b: [Infinity, -Infinity], c: 'NaN' });
});

test("pyRound is Python's round: exact decimal value, ties to even", () => {
  assert.equal(pyRound(0.69237, 4), 0.6924);
  assert.equal(pyRound(0.03125, 4), 0.0312); // an exact tie: Python rounds to even, toFixed would give 0.0313
  assert.equal(pyRound(0.03375, 4), 0.0338); // 0.03375 is not exact in binary (just above): up
  assert.equal(pyRound(2.675, 2), 2.67); // 2.675 is 2.67499999... in binary
  assert.equal(pyRound(-0.03125, 4), -0.0312);
  assert.equal(pyRound(0.5), 0);
  assert.equal(pyRound(1.5), 2);
  assert.equal(pyRound(0.34442517, 4), 0.3444);
});

test('nestedConcat pads the second dim with -100 (HF torch_pad_and_concatenate)', () => {
  const a: NDArray = { data: Float32Array.from([1, 2, 3, 4]), shape: [2, 2] };
  const b: NDArray = { data: Float32Array.from([5, 6, 7]), shape: [1, 3] };
  const c = nestedConcat(a, b) as NDArray;
  assert.deepEqual(c.shape, [3, 3]);
  assert.deepEqual([...c.data], [1, 2, -100, 3, 4, -100, 5, 6, 7]);
  const d = nestedConcat([a], [{ data: Float32Array.from([9, 9]), shape: [1, 2] }]) as NDArray[];
  assert.deepEqual(d[0]!.shape, [3, 2]);
  assert.deepEqual([...argmax({ data: Float32Array.from([0, 2, 1, 5, 0, 0]), shape: [2, 3] }).data], [1, 0]);
});

test('torch_empty_cache_steps: a positive integer, HF\'s message otherwise (the Trainer empties the CUDA cache every N updates)', () => {
  assert.equal(new TrainingArguments({ output_dir: 'o', torch_empty_cache_steps: 2 }).torch_empty_cache_steps, 2);
  assert.throws(() => new TrainingArguments({ output_dir: 'o', torch_empty_cache_steps: 0 }), /`torch_empty_cache_steps` must be an integer bigger than 0, got 0\./);
  assert.throws(() => new TrainingArguments({ output_dir: 'o', torch_empty_cache_steps: 1.5 }), /torch_empty_cache_steps/);
});
