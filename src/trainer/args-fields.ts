// args-fields.ts — the field table behind TrainingArguments (transformers 4.47 training_args.py):
// every field tunekit implements with HF's name, type and default, the HF fields it accepts only
// at their defaults, and the closest-name suggestion for a misspelt field.

/** HF's IntervalStrategy. */
export type IntervalStrategy = 'no' | 'steps' | 'epoch';
/** HF's SaveStrategy (4.47 adds 'best': save whenever a new best metric is found). */
export type SaveStrategy = IntervalStrategy | 'best';
/** The optimizers tunekit implements (HF's OptimizerNames values). */
export type OptimizerName = 'adamw_torch' | 'adamw_torch_fused' | 'sgd';
/** HF's HubStrategy: what push_to_hub uploads, and when (trainer_utils.HubStrategy). */
export type HubStrategy = 'end' | 'every_save' | 'checkpoint' | 'all_checkpoints';
/** HF's SchedulerType values tunekit implements (src/optim getScheduler). */
export type LrSchedulerType = 'linear' | 'cosine' | 'cosine_with_restarts' | 'polynomial' | 'constant' | 'constant_with_warmup' | 'inverse_sqrt' | 'cosine_with_min_lr';

/** How a field's value is checked: a JS type, optionally nullable, or a list of allowed strings. */
export type FieldKind = 'int' | 'float' | 'bool' | 'str' | 'int?' | 'float?' | 'bool?' | 'str?' | 'strlist?' | 'dict' | 'dict?' | 'strOrList?' | readonly string[];

/**
 * Every implemented field: [kind, default], in HF's declaration order (toDict() keeps it).
 * `output_dir` has no default: it is required, as in 4.47.
 */
export const FIELDS = {
  output_dir: ['str', undefined],
  overwrite_output_dir: ['bool', false],
  do_train: ['bool', false],
  do_eval: ['bool', false],
  do_predict: ['bool', false],
  eval_strategy: [['no', 'steps', 'epoch'], 'no'],
  prediction_loss_only: ['bool', false],
  per_device_train_batch_size: ['int', 8],
  per_device_eval_batch_size: ['int', 8],
  gradient_accumulation_steps: ['int', 1],
  eval_accumulation_steps: ['int?', null],
  eval_delay: ['float', 0],
  learning_rate: ['float', 5e-5],
  weight_decay: ['float', 0.0],
  adam_beta1: ['float', 0.9],
  adam_beta2: ['float', 0.999],
  adam_epsilon: ['float', 1e-8],
  max_grad_norm: ['float?', 1.0],
  num_train_epochs: ['float', 3.0],
  max_steps: ['int', -1],
  lr_scheduler_type: [['linear', 'cosine', 'cosine_with_restarts', 'polynomial', 'constant', 'constant_with_warmup', 'inverse_sqrt', 'cosine_with_min_lr'], 'linear'],
  lr_scheduler_kwargs: ['dict', {}],
  warmup_ratio: ['float', 0.0],
  warmup_steps: ['int', 0],
  log_level: [['passive', 'debug', 'info', 'warning', 'error', 'critical'], 'passive'],
  logging_dir: ['str?', null],
  logging_strategy: [['no', 'steps', 'epoch'], 'steps'],
  logging_first_step: ['bool', false],
  logging_steps: ['float', 500],
  logging_nan_inf_filter: ['bool', true],
  save_strategy: [['no', 'steps', 'epoch', 'best'], 'steps'],
  save_steps: ['float', 500],
  save_total_limit: ['int?', null],
  save_safetensors: ['bool', true],
  save_only_model: ['bool', false],
  restore_callback_states_from_checkpoint: ['bool', false],
  use_cpu: ['bool', false],
  seed: ['int', 42],
  data_seed: ['int?', null],
  full_determinism: ['bool', false],
  bf16: ['bool', false],
  fp16: ['bool', false],
  bf16_full_eval: ['bool', false],
  fp16_full_eval: ['bool', false],
  /** CUDA TF32 matmuls and convolutions (null: libtorch's setting as is). */
  tf32: ['bool?', null],
  /** Empty the CUDA caching allocator every N update steps (HF torch_empty_cache_steps; nothing to do on CPU). */
  torch_empty_cache_steps: ['int?', null],
  /** Causal LMs: 'chunked_nll' trains without materialising the logits (TRL SFTConfig.loss_type; HF has no such field). */
  loss_type: [['nll', 'chunked_nll'], 'nll'],
  dataloader_drop_last: ['bool', false],
  eval_steps: ['float?', null],
  dataloader_num_workers: ['int', 0],
  run_name: ['str?', null],
  disable_tqdm: ['bool?', null],
  remove_unused_columns: ['bool', true],
  label_names: ['strlist?', null],
  load_best_model_at_end: ['bool', false],
  metric_for_best_model: ['str?', null],
  greater_is_better: ['bool?', null],
  ignore_data_skip: ['bool', false],
  optim: [['adamw_torch', 'adamw_torch_fused', 'sgd'], 'adamw_torch'],
  group_by_length: ['bool', false],
  length_column_name: ['str', 'length'],
  report_to: ['strOrList?', null],
  skip_memory_metrics: ['bool', true],
  /** Push output_dir to the Hub on every save (hub_strategy) and at trainer.pushToHub() (hub-push.ts). */
  push_to_hub: ['bool', false],
  resume_from_checkpoint: ['str?', null],
  /** The repo to push to; default the output_dir's name, in the token owner's namespace (whoami). */
  hub_model_id: ['str?', null],
  hub_strategy: [['end', 'every_save', 'checkpoint', 'all_checkpoints'], 'every_save'],
  /** Write token for the pushes (default HF_TOKEN / HUGGING_FACE_HUB_TOKEN / the saved login). */
  hub_token: ['str?', null],
  /** Visibility of a repo created by the Trainer (null: the Hub's default, public). */
  hub_private_repo: ['bool?', null],
  /** Push on a save even while a background pushToHub({ blocking: false }) upload is still running. */
  hub_always_push: ['bool', false],
  /** Branch to commit to (transformers >= 4.50; default 'main'). */
  hub_revision: ['str?', null],
  include_for_metrics: ['strlist?', []],
  eval_do_concat_batches: ['bool', true],
  include_num_input_tokens_seen: ['bool', false],
  eval_on_start: ['bool', false],
  average_tokens_across_devices: ['bool', false],
  /** Recompute each layer's activations in the backward (model.gradientCheckpointingEnable at train start). */
  gradient_checkpointing: ['bool', false],
  /** Options of gradientCheckpointingEnable (tunekit: { everyNLayers }; HF's use_reentrant is accepted and ignored). */
  gradient_checkpointing_kwargs: ['dict?', null],
  // ---- several processes (src/trainer/distributed.ts) ----
  /** Log from the main process of every node (true) or of rank 0 only. */
  log_on_each_node: ['bool', true],
  /** Write checkpoints and models from the main process of every node (nodes without shared storage). */
  save_on_each_node: ['bool', false],
  /** c10d backend of the default group: 'gloo' (CPU, the default) or 'nccl' (CUDA builds). */
  ddp_backend: ['str?', null],
  /** DDP: search each forward's outputs for parameters that get no gradient. */
  ddp_find_unused_parameters: ['bool?', null],
  /** DDP: gradient bucket size in MiB (default 25). */
  ddp_bucket_cap_mb: ['int?', null],
  /** DDP: broadcast the model's buffers from rank 0 before each synchronized forward (default true). */
  ddp_broadcast_buffers: ['bool?', null],
  /** Seconds a rendezvous or collective may wait before failing (a dead or stuck rank). */
  ddp_timeout: ['int', 1800],
} as const satisfies Record<string, readonly [FieldKind, unknown]>;

/**
 * HF fields tunekit accepts only at their 4.47 default (so a config copied from Python with
 * defaults spelled out still loads); any other value is an error naming the field.
 */
export const HF_DEFAULT_ONLY = {
  per_gpu_train_batch_size: null, per_gpu_eval_batch_size: null,
  log_level_replica: 'warning', no_cuda: false,
  use_mps_device: false, jit_mode_eval: false, use_ipex: false, fp16_opt_level: 'O1',
  half_precision_backend: 'auto', local_rank: -1, tpu_num_cores: null,
  tpu_metrics_debug: false, debug: '', dataloader_prefetch_factor: null, past_index: -1, fsdp: '',
  fsdp_min_num_params: 0, fsdp_config: null, fsdp_transformer_layer_cls_to_wrap: null,
  accelerator_config: null, deepspeed: null, label_smoothing_factor: 0.0, optim_args: null, adafactor: false,
  dataloader_pin_memory: true, dataloader_persistent_workers: false, use_legacy_prediction_loop: false,
  include_inputs_for_metrics: false, fp16_backend: 'auto', push_to_hub_model_id: null,
  push_to_hub_organization: null, push_to_hub_token: null, mp_parameters: '', auto_find_batch_size: false,
  torchdynamo: null, ray_scope: 'last', torch_compile: false, torch_compile_backend: null,
  torch_compile_mode: null, dispatch_batches: null, split_batches: null, include_tokens_per_second: false,
  neftune_noise_alpha: null, optim_target_modules: null, batch_eval_metrics: false,
  eval_use_gather_object: false, use_liger_kernel: false,
} as const;

/** HF's deprecated spellings that 4.47 still maps onto a current field. */
export const ALIASES: Readonly<Record<string, keyof typeof FIELDS>> = { evaluation_strategy: 'eval_strategy' };

export type FieldName = keyof typeof FIELDS;
export type HfDefaultOnlyName = keyof typeof HF_DEFAULT_ONLY;

/** Levenshtein distance (insert/delete/substitute, each 1). */
function distance(a: string, b: string): number {
  let prev = Array.from({ length: b.length + 1 }, (_, j) => j);
  for (let i = 1; i <= a.length; i++) {
    const cur = [i];
    for (let j = 1; j <= b.length; j++)
      cur[j] = Math.min(prev[j]! + 1, cur[j - 1]! + 1, prev[j - 1]! + (a[i - 1] === b[j - 1] ? 0 : 1));
    prev = cur;
  }
  return prev[b.length]!;
}

/** The known name closest to `name` when it is plausibly a typo (distance <= max(2, len/3)), else null. */
export function closestName(name: string, known: Iterable<string>): string | null {
  let best: string | null = null;
  let bestD = Infinity;
  for (const k of known) {
    const d = distance(name.toLowerCase(), k);
    if (d < bestD) { bestD = d; best = k; }
  }
  return best !== null && bestD <= Math.max(2, Math.floor(name.length / 3)) ? best : null;
}

/** Throws a TypeError unless `v` fits `kind`; `where` names the field. */
export function checkKind(name: string, kind: FieldKind, v: unknown, owner = 'TrainingArguments'): void {
  const fail = (want: string): never => {
    throw new TypeError(`${owner}: ${name} must be ${want}, got ${JSON.stringify(v)}`);
  };
  if (Array.isArray(kind)) {
    if (typeof v !== 'string' || !kind.includes(v)) fail(`one of ${kind.map((k) => `'${k}'`).join(', ')}`);
    return;
  }
  const nullable = typeof kind === 'string' && kind.endsWith('?');
  if (nullable && (v === null || v === undefined)) return;
  switch ((kind as string).replace('?', '')) {
    case 'int': if (typeof v !== 'number' || !Number.isInteger(v)) fail(`an integer${nullable ? ' or null' : ''}`); return;
    case 'float': if (typeof v !== 'number' || Number.isNaN(v)) fail(`a number${nullable ? ' or null' : ''}`); return;
    case 'bool': if (typeof v !== 'boolean') fail(`a boolean${nullable ? ' or null' : ''}`); return;
    case 'str': if (typeof v !== 'string') fail(`a string${nullable ? ' or null' : ''}`); return;
    case 'strlist': if (!Array.isArray(v) || !v.every((s) => typeof s === 'string')) fail('a list of strings or null'); return;
    case 'strOrList': if (typeof v !== 'string' && (!Array.isArray(v) || !v.every((s) => typeof s === 'string'))) fail('a string, a list of strings or null'); return;
    case 'dict': if (v === null || typeof v !== 'object' || Array.isArray(v)) fail(`an object${nullable ? ' or null' : ''}`); return;
  }
}

/** Same JSON value (for the default-only check: `{}` equals `{}`). */
export function sameValue(a: unknown, b: unknown): boolean {
  return JSON.stringify(a ?? null) === JSON.stringify(b ?? null);
}
