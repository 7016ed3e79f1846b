// trainer.ts — Seq2SeqTrainer (transformers 4.47 trainer_seq2seq.py): the Trainer whose evaluate() and
// predict() can generate.  With predict_with_generate, prediction_step runs model.generate() on the
// batch's encoder inputs and returns the generated ids (padded to the model's
// generation_config.max_length with the pad id) as the predictions, the labels padded the same way,
// and the loss from a teacher-forced forward with the labels.  Everything else is the base Trainer.
import { readFileSync, statSync } from 'node:fs';
import { join } from 'node:path';
import { Tensor, cat, full, noGrad, isGradEnabled } from '../../torch/index.js';
import { Linear } from '../../nn/index.js';
import { GenerationConfig, GENERATION_CONFIG_NAME, getGenerationConfig, setGenerationConfig } from '../../generation/index.js';
import { ConfigError, PreTrainedModel } from '../../models/index.js';
import type { Batch, Feature } from '../../data/collators/index.js';
import type { DataLoader } from '../../data/dataloader.js';
import type { EvalLoopOptions } from '../context.js';
import { parsePyJson } from '../../torch/index.js';
import { Trainer } from '../trainer.js';
import type { TrainerDataset, TrainerOptions } from '../options.js';
import type { PredictionOutput } from '../arrays.js';
import { TrainingArguments } from '../training-args.js';
import { Seq2SeqTrainingArguments } from './args.js';

/**
 * generate() keyword arguments for evaluate() / predict() (HF **gen_kwargs): max_length,
 * max_new_tokens, num_beams and any other generate() option.  A null max_length / num_beams is
 * dropped (the model's generation_config decides).
 */
export interface GenKwargs {
  max_length?: number | null;
  max_new_tokens?: number | null;
  num_beams?: number | null;
  [option: string]: unknown;
}

/** evaluate() / predict() options: the base Trainer's plus the generate() keyword arguments. */
export type Seq2SeqEvalOptions = { ignoreKeys?: string[]; metricKeyPrefix?: string } & GenKwargs;

/** Options of the Seq2SeqTrainer constructor: the Trainer's, with Seq2SeqTrainingArguments. */
export type Seq2SeqTrainerOptions = Omit<TrainerOptions, 'args'> & { args?: Seq2SeqTrainingArguments };

/** What predict_with_generate needs from the model: HF's generate() (tunekit/generation installs it on every PreTrainedModel). */
interface Generating {
  generate(inputs: Record<string, unknown>): Tensor;
  config?: { pad_token_id?: number | null };
}

/**
 * transformers' Seq2SeqTrainer.  `evaluate(ds, { max_length, num_beams, ... })` and `predict(...)`
 * take generate() options (defaults: args.generation_max_length / generation_num_beams, then the
 * model's generation_config, which args.generation_config replaces at construction).
 *
 * With predict_with_generate (and unless the loss alone is asked for), computeMetrics receives
 * EvalPrediction { predictions: generated ids (B, T) including the decoder start token,
 * label_ids }, as HF:
 *  - each batch's generated ids shorter than the model's generation_config.max_length (20 unless
 *    set; NOT generation_max_length) are padded to it with the tokenizer's pad id (else eos, else
 *    model.config.pad_token_id); else, with generation_config.max_new_tokens set, to max_new_tokens + 1;
 *  - labels shorter than that are padded the same way, with the pad id (not -100); longer labels
 *    (and generations longer than max_length, e.g. from max_new_tokens) are kept whole;
 *  - across batches of different widths, the evaluation loop pads with -100 (HF nested_concat),
 *    so metrics code replaces -100 by the pad id before decoding, as HF's examples do.
 * The loss is the model's with the labels (teacher forcing); a batch without `labels` has no loss.
 * `<prefix>_loss` is the plain mean of the batch losses, as HF's Seq2SeqTrainer computes it (the base
 * Trainer weighs a short last batch by its rows; see evaluationLoop).
 *
 * Where it departs from HF 4.47.1: args must be Seq2SeqTrainingArguments (HF fails later with an
 * AttributeError); a generation_config string is a local path only; a batch without labels gives
 * predictions and no loss (HF's DataCollatorForSeq2Seq puts `labels: None` in such a batch, and
 * its loss forward then fails inside T5's decoder; tunekit's collator leaves the key out).
 * @example
 * const trainer = new Seq2SeqTrainer({ model, args: new Seq2SeqTrainingArguments({ output_dir: 'out', predict_with_generate: true,
 *   generation_max_length: 32 }), trainDataset, evalDataset, dataCollator: new DataCollatorForSeq2Seq({ tokenizer, model }), computeMetrics });
 * await trainer.train();
 * const metrics = trainer.evaluate(undefined, { num_beams: 4 }); // { eval_loss, eval_bleu, ... }
 */
export class Seq2SeqTrainer extends Trainer {
  /** No options beyond Trainer's: typos are refused. */
  static override readonly extraOptionNames: readonly string[] = [];
  declare args: Seq2SeqTrainingArguments;
  /** The generate() options of the running evaluate() / predict() (HF _gen_kwargs). */
  protected genKwargs: GenKwargs = {};
  /** The loss of each batch of the running evaluation loop (see evaluationLoop). */
  #batchLosses: number[] = [];

  constructor(opts: Seq2SeqTrainerOptions) {
    super({ ...opts, args: seq2seqArgs(opts?.args) });
    // HF: args.generation_config replaces the model's generation_config (priority: args > model > defaults)
    if (this.args.generation_config !== null) {
      const cfg = Seq2SeqTrainer.loadGenerationConfig(this.args.generation_config);
      const target = this.generatingModel();
      if (target instanceof PreTrainedModel) target.generation_config = cfg;
      else setGenerationConfig(target as unknown as PreTrainedModel, cfg);
    }
  }

  /**
   * The training loss (HF compute_loss) — computed without the (B, Tt, V) logits when nothing reads
   * them: the Trainer discards a training forward's logits, so unless a computeLossFunc needs them
   * the model's 'chunked_nll' path runs for this forward only (same loss and gradients; the head
   * projects only the label tokens, block by block: 1.37x HF's Seq2SeqTrainer steps/s where HF's
   * 1.05x, docs/benchmarks.md). The model's own lossType is restored, so user code sees no change.
   */
  override computeLoss(inputs: Batch, opts: { numItemsInBatch?: Tensor | null } = {}): ReturnType<Trainer['computeLoss']> {
    const target = this.#chunkableHead();
    if (!target) return super.computeLoss(inputs, opts);
    target.lossType = 'chunked_nll';
    try {
      return super.computeLoss(inputs, opts);
    } finally {
      target.lossType = 'nll';
    }
  }
  /** The model (inside a PeftModel too) whose next training forward may skip the logits, or null. */
  #chunkableHead(): { lossType: string } | null {
    if (this.computeLossFunc !== null || !isGradEnabled()) return null;
    const m = this.model as { getBaseModel?: () => object };
    const target = (typeof m.getBaseModel === 'function' ? m.getBaseModel() : this.model) as { lossType?: unknown; lm_head?: unknown };
    // a LoRA- or modules_to_save-wrapped head has no plain weight to read
    if (target.lossType !== 'nll' || !(target.lm_head instanceof Linear) || target.lm_head.constructor !== Linear) return null;
    return target as { lossType: string };
  }

  /**
   * HF load_generation_config: a GenerationConfig (copied), or a path — a folder holding
   * generation_config.json, or the .json file itself — read and validated.
   */
  static loadGenerationConfig(arg: string | GenerationConfig): GenerationConfig {
    if (arg instanceof GenerationConfig) {
      const c = arg.clone();
      c.validate();
      return c;
    }
    let file = arg;
    try {
      if (statSync(arg).isDirectory()) file = join(arg, GENERATION_CONFIG_NAME);
    } catch {
      throw new ConfigError(`Seq2SeqTrainingArguments.generation_config: no folder or file at '${arg}' (tunekit reads a local generation_config.json, not a Hub model id)`);
    }
    let text: string;
    try {
      text = readFileSync(file, 'utf8');
    } catch (e) {
      throw new ConfigError(`Seq2SeqTrainingArguments.generation_config: cannot read ${file}: ${(e as Error).message}`);
    }
    try {
      return GenerationConfig.fromDict(parsePyJson(text, file) as Record<string, unknown>, file);
    } catch (e) {
      throw new ConfigError(`${(e as Error).message}\n\nFix these issues to train your model.`);
    }
  }

  /** HF Seq2SeqTrainer.evaluate: the base evaluate with generate() options (see {@link GenKwargs}). */
  override evaluate(evalDataset?: TrainerDataset, opts: Seq2SeqEvalOptions = {}): Record<string, number> {
    const { ignoreKeys, metricKeyPrefix, ...gen } = opts;
    this.genKwargs = this.withArgDefaults(gen);
    return super.evaluate(evalDataset, { ...gen, ignoreKeys, metricKeyPrefix } as { ignoreKeys?: string[]; metricKeyPrefix?: string });
  }

  /** HF Seq2SeqTrainer.predict: the base predict with generate() options (see {@link GenKwargs}). */
  override predict(testDataset: TrainerDataset, opts: Seq2SeqEvalOptions = {}): PredictionOutput {
    const { ignoreKeys, metricKeyPrefix, ...gen } = opts;
    this.genKwargs = this.withArgDefaults(gen);
    return super.predict(testDataset, { ignoreKeys, metricKeyPrefix });
  }

  /**
   * The base evaluation loop, with HF Seq2SeqTrainer's loss: `<prefix>_loss` is the plain mean of the
   * batch losses.  HF repeats each batch's loss args.eval_batch_size times and Seq2SeqTrainer gathers
   * with accelerator.gather (the base Trainer's gather_for_metrics would cut a short last batch's
   * copies to its row count), so a short last batch weighs as much as a full one (both 4.47 and 5.x).
   */
  protected override evaluationLoop(loader: DataLoader<Feature, Batch>, opts: EvalLoopOptions): PredictionOutput & { numSamples: number } {
    this.#batchLosses = [];
    const out = super.evaluationLoop(loader, opts);
    const key = `${opts.metricKeyPrefix}_loss`;
    if (this.#batchLosses.length && key in out.metrics) out.metrics[key] = this.#batchLosses.reduce((a, b) => a + b, 0) / this.#batchLosses.length;
    this.#batchLosses = [];
    return out;
  }

  /** HF: max_length from generation_max_length unless max_length or max_new_tokens is given; num_beams from generation_num_beams. */
  private withArgDefaults(gen: GenKwargs): GenKwargs {
    const out: GenKwargs = { ...gen };
    if ((out.max_length ?? null) === null && (out.max_new_tokens ?? null) === null && this.args.generation_max_length !== null)
      out.max_length = this.args.generation_max_length;
    if ((out.num_beams ?? null) === null && this.args.generation_num_beams !== null) out.num_beams = this.args.generation_num_beams;
    return out;
  }

  /**
   * HF Seq2SeqTrainer.prediction_step.  Without predict_with_generate, or when only the loss is
   * asked for, the base Trainer's.  Otherwise: generated ids (B, T_gen) int64 as the one
   * prediction, the labels (B, T_lab), both padded as described on the class, and the loss.
   */
  override predictionStep(inputs: Batch, predictionLossOnly: boolean, ignoreKeys?: string[], genKwargs?: GenKwargs):
    { loss: Tensor | null; logits: Tensor[] | null; labels: Tensor[] | null } {
    const out = this.generatingPredictionStep(inputs, predictionLossOnly, ignoreKeys, genKwargs);
    if (out.loss) this.#batchLosses.push(out.loss.mean().item());
    return out;
  }

  private generatingPredictionStep(inputs: Batch, predictionLossOnly: boolean, ignoreKeys?: string[], genKwargs?: GenKwargs):
    { loss: Tensor | null; logits: Tensor[] | null; labels: Tensor[] | null } {
    if (!this.args.predict_with_generate || predictionLossOnly) return super.predictionStep(inputs, predictionLossOnly, ignoreKeys);
    const model = this.model as unknown as Generating;
    if (typeof model.generate !== 'function')
      throw new TypeError(`Seq2SeqTrainer: predict_with_generate needs a model with generate() (a tunekit PreTrainedModel), got ${this.model.constructor.name}`);
    const hasLabels = inputs.labels !== undefined;
    const gen: GenKwargs = { ...(genKwargs && Object.keys(genKwargs).length ? genKwargs : this.genKwargs) };
    if (gen.num_beams === null) delete gen.num_beams;
    if (gen.max_length === null) delete gen.max_length;
    return noGrad(() => {
      // generate from the encoder inputs: decoder_input_ids made from the labels would make it continue the padded targets (HF)
      const genInputs: Record<string, unknown> = { ...inputs };
      delete genInputs.labels;
      const dec = inputs.decoder_input_ids;
      if (inputs.labels && dec && sameShape(inputs.labels, dec)) { delete genInputs.decoder_input_ids; delete genInputs.decoder_attention_mask; }
      let generated = model.generate({ ...genInputs, ...gen }); // (B * num_return_sequences, T_gen) int64
      const cfg = this.generationConfig();
      // HF: stops generate() from re-deriving the config from the model config on every batch
      if (cfg._from_model_config) cfg._from_model_config = false;
      generated = this.padToGenerationLength(generated, cfg);
      let loss: Tensor | null = null;
      if (hasLabels) loss = this.computeLoss(inputs).loss.detach().mean();
      if (this.args.prediction_loss_only) return { loss, logits: null, labels: null };
      const labels = hasLabels ? [this.padToGenerationLength(inputs.labels!, cfg)] : null;
      return { loss, logits: [generated], labels };
    });
  }

  /** The model whose generation_config generate() reads: a PeftModel's base model, else the model. */
  protected generatingModel(): object {
    const m = this.model as unknown as { getBaseModel?: () => object };
    return typeof m.getBaseModel === 'function' ? m.getBaseModel() : this.model;
  }

  /** The model's generation_config (HF self.model.generation_config): what padding reads. */
  protected generationConfig(): GenerationConfig {
    const m = this.generatingModel() as { generation_config?: GenerationConfig };
    if (m.generation_config instanceof GenerationConfig) return m.generation_config;
    return getGenerationConfig(m as unknown as PreTrainedModel);
  }

  /** HF's two padding rules of prediction_step: to max_length, else (max_new_tokens set) to max_new_tokens + 1. */
  private padToGenerationLength(t: Tensor, cfg: GenerationConfig): Tensor {
    const T = t.size(-1);
    if (T < cfg.max_length) return this.padTensorsToMaxLen(t, cfg.max_length);
    if (cfg.max_new_tokens !== null && T < cfg.max_new_tokens + 1) return this.padTensorsToMaxLen(t, cfg.max_new_tokens + 1);
    return t;
  }

  /**
   * HF _pad_tensors_to_max_len: (B, T) -> (B, maxLength), right-padded with the tokenizer's pad id
   * (its eos id when it has no pad), else the model config's pad_token_id.
   */
  protected padTensorsToMaxLen(t: Tensor, maxLength: number): Tensor {
    const tok = this.processingClass as { padTokenId?: number | null; eosTokenId?: number | null } | null;
    let pad: number | null | undefined;
    if (tok && 'padTokenId' in tok) pad = tok.padTokenId ?? tok.eosTokenId;
    else {
      pad = (this.model as unknown as Generating).config?.pad_token_id;
      if (pad === null || pad === undefined) throw new Error('Pad_token_id must be set in the configuration of the model, in order to pad tensors');
    }
    if (pad === null || pad === undefined) throw new Error('Seq2SeqTrainer: the tokenizer has neither a pad token nor an eos token to pad the generated ids with');
    const [B, T] = t.shape as [number, number];
    return cat([t, full([B, maxLength - T], pad, { dtype: t.dtype, device: t.device })], 1);
  }
}

function sameShape(a: Tensor, b: Tensor): boolean {
  return a.shape.length === b.shape.length && a.shape.every((d, i) => d === b.shape[i]);
}

/** The arguments the trainer runs with: Seq2SeqTrainingArguments (default output_dir 'tmp_trainer', as HF). */
function seq2seqArgs(args: TrainingArguments | undefined): Seq2SeqTrainingArguments {
  if (args === undefined || args === null) return new Seq2SeqTrainingArguments({ output_dir: 'tmp_trainer' });
  if (!(args instanceof Seq2SeqTrainingArguments)) {
    const what = args instanceof TrainingArguments ? 'a TrainingArguments' : String(args);
    throw new TypeError(`Seq2SeqTrainer: args must be a Seq2SeqTrainingArguments (it reads predict_with_generate, generation_max_length, ...), got ${what}; ` +
      'use new Seq2SeqTrainingArguments({...}) with the same fields');
  }
  return args;
}
