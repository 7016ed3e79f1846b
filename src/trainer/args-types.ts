// args-types.ts — the typed fields of TrainingArguments (transformers 4.47 training_args.py), apart
// from the class so that the class file stays readable.
import type { HfDefaultOnlyName, HubStrategy, IntervalStrategy, LrSchedulerType, OptimizerName, SaveStrategy } from './args-fields.js';

/** What the constructor takes: `output_dir` plus any field (HF spelling); HF-only fields only at their defaults. */
export type TrainingArgumentsInit = { output_dir: string } & Partial<Omit<TrainingArgumentsFields, 'output_dir'>> &
  { [K in HfDefaultOnlyName]?: unknown } & { evaluation_strategy?: IntervalStrategy };

/** The implemented fields, typed. */
export interface TrainingArgumentsFields {
  output_dir: string;
  /**
   * HF: "overwrite the content of the output directory".  A fresh train() (no resume) refuses an
   * output_dir holding checkpoint-N folders of an earlier run unless this is true; then they are
   * deleted before training starts, so save_total_limit rotation and resume_from_checkpoint=true
   * see this run's checkpoints only.
   */
  overwrite_output_dir: boolean;
  do_train: boolean;
  do_eval: boolean;
  do_predict: boolean;
  eval_strategy: IntervalStrategy;
  prediction_loss_only: boolean;
  per_device_train_batch_size: number;
  per_device_eval_batch_size: number;
  gradient_accumulation_steps: number;
  /** Accepted for HF compatibility; no effect: evaluation outputs go to the host every batch anyway. */
  eval_accumulation_steps: number | null;
  eval_delay: number;
  learning_rate: number;
  weight_decay: number;
  adam_beta1: number;
  adam_beta2: number;
  adam_epsilon: number;
  /** 0 or null: no clipping (and no grad_norm in the logs). */
  max_grad_norm: number | null;
  num_train_epochs: number;
  max_steps: number;
  lr_scheduler_type: LrSchedulerType;
  lr_scheduler_kwargs: Record<string, number>;
  warmup_ratio: number;
  warmup_steps: number;
  log_level: 'passive' | 'debug' | 'info' | 'warning' | 'error' | 'critical';
  logging_dir: string | null;
  logging_strategy: IntervalStrategy;
  logging_first_step: boolean;
  /** An integer, or a float in (0, 1): a ratio of max_steps. */
  logging_steps: number;
  logging_nan_inf_filter: boolean;
  save_strategy: SaveStrategy;
  save_steps: number;
  save_total_limit: number | null;
  save_safetensors: boolean;
  save_only_model: boolean;
  restore_callback_states_from_checkpoint: boolean;
  use_cpu: boolean;
  seed: number;
  data_seed: number | null;
  full_determinism: boolean;
  /** Mixed precision: refused by the Trainer (no autocast in the addon; see its error). */
  bf16: boolean;
  fp16: boolean;
  bf16_full_eval: boolean;
  fp16_full_eval: boolean;
  tf32: boolean | null;
  torch_empty_cache_steps: number | null;
  /** 'dft' only in SFTConfig (the SFTTrainer's own loss). */
  loss_type: 'nll' | 'chunked_nll' | 'dft';
  dataloader_drop_last: boolean;
  /** Defaults to logging_steps when eval_strategy is 'steps'. */
  eval_steps: number | null;
  dataloader_num_workers: number;
  run_name: string | null;
  disable_tqdm: boolean | null;
  remove_unused_columns: boolean;
  label_names: string[] | null;
  load_best_model_at_end: boolean;
  metric_for_best_model: string | null;
  greater_is_better: boolean | null;
  ignore_data_skip: boolean;
  optim: OptimizerName;
  group_by_length: boolean;
  length_column_name: string;
  /** 'none' / [] only (normalised to []); 'all' and null mean every installed integration: none here. */
  report_to: string | string[] | null;
  skip_memory_metrics: boolean;
  /** Push to the Hub: the repo is created with the Trainer, saves push as hub_strategy says, then trainer.pushToHub(). */
  push_to_hub: boolean;
  resume_from_checkpoint: string | null;
  /** `namespace/name`, or `name` (the token owner's namespace); default the output_dir's name. */
  hub_model_id: string | null;
  /** 'every_save': output_dir at each save; 'checkpoint': + `last-checkpoint/`; 'all_checkpoints': + `checkpoint-N/`; 'end': pushToHub() only. */
  hub_strategy: HubStrategy;
  /** Written as '<HUB_TOKEN>' in training_args.json (HF to_dict), never in clear. */
  hub_token: string | null;
  hub_private_repo: boolean | null;
  hub_always_push: boolean;
  hub_revision: string | null;
  include_for_metrics: string[];
  eval_do_concat_batches: boolean;
  include_num_input_tokens_seen: boolean;
  eval_on_start: boolean;
  average_tokens_across_devices: boolean;
  gradient_checkpointing: boolean;
  gradient_checkpointing_kwargs: Record<string, unknown> | null;
  log_on_each_node: boolean;
  save_on_each_node: boolean;
  ddp_backend: string | null;
  ddp_find_unused_parameters: boolean | null;
  ddp_bucket_cap_mb: number | null;
  ddp_broadcast_buffers: boolean | null;
  ddp_timeout: number;
}
