// trainer.ts — TRL's SFTTrainer (trl 1.13 trainer/sft_trainer.py) on top of tunekit's Trainer: the
// dataset preparation of prepare.ts, TRL's collator (padding-free when packing), LoRA through
// peftConfig, and TRL's logged metrics (mean_token_accuracy, entropy, num_tokens) — accumulated on
// the device and read only when a log is written, like the loss.
// Tokenizing is asynchronous in tunekit, so the datasets are prepared after construction:
// `await trainer.ready` (train() awaits it itself), or build with `await SFTTrainer.create(...)`,
// which also takes a model path and chat_template_path from another tokenizer.
import { existsSync, readFileSync } from 'node:fs';
import { keep, tensor, Tensor, type Tensor as T } from '../../torch/index.js';
import type { Batch, Feature } from '../../data/collators/index.js';
import type { CollateFn } from '../../data/dataloader.js';
import { AutoModelForCausalLM } from '../../models/index.js';
import { withUnpaddedTraining, UNPAD_MODEL_TYPES } from '../../models/causal-lm.js';
import { LoraConfig, LoraLayer, PeftModel, getPeftModel, type LoraConfigOptions } from '../../peft/index.js';
import { AutoTokenizer, hasGenerationMarkers, getTrainingChatTemplate, type PreTrainedTokenizerFast } from '../../tokenizers/index.js';
import { Trainer } from '../trainer.js';
import { numItemsInBatch as countItems } from '../loss.js';
import { TrainingArguments } from '../training-args.js';
import type { LogEntry } from '../trainer-state.js';
import type { ModelOutput, TrainableModel } from '../model.js';
import type { TrainerDataset, TrainerOptions } from '../options.js';
import { SFTConfig } from './config.js';
import { DataCollatorForLanguageModeling } from './collator.js';
import { isConversational, type SftRow } from './formats.js';
import { prepareSftRows, readRows, type PreparedRow } from './prepare.js';
import { cloneChatTemplate } from './clone-chat-template.js';
import { dftLoss } from './dft.js';

/** What SFTTrainer takes (TRL's keyword arguments; camelCase, snake_case accepted). */
export interface SFTTrainerOptions extends Omit<TrainerOptions, 'model' | 'args' | 'trainDataset' | 'evalDataset' | 'processingClass'> {
  /** The model (a causal LM or a PeftModel); SFTTrainer.create also takes a checkpoint directory. */
  model: TrainableModel | string;
  args?: SFTConfig | TrainingArguments;
  /** Rows of any SFT format (see formats.ts), a Dataset or an array. */
  trainDataset?: TrainerDataset<SftRow> | SftRow[];
  evalDataset?: TrainerDataset<SftRow> | SftRow[] | Record<string, TrainerDataset<SftRow> | SftRow[]>;
  /** The tokenizer (required with a model instance; create() loads it from the model path). */
  processingClass?: PreTrainedTokenizerFast;
  /** LoRA: the model is wrapped with getPeftModel(model, peftConfig). */
  peftConfig?: LoraConfig | LoraConfigOptions;
  /** row → text; the rows then are language-modeling data. */
  formattingFunc?: (row: SftRow) => string;
  train_dataset?: SFTTrainerOptions['trainDataset'];
  eval_dataset?: SFTTrainerOptions['evalDataset'];
  processing_class?: PreTrainedTokenizerFast;
  peft_config?: SFTTrainerOptions['peftConfig'];
  formatting_func?: SFTTrainerOptions['formattingFunc'];
  data_collator?: TrainerOptions['dataCollator'];
  compute_metrics?: TrainerOptions['computeMetrics'];
}

const SNAKE: Record<string, string> = {
  train_dataset: 'trainDataset', eval_dataset: 'evalDataset', processing_class: 'processingClass', peft_config: 'peftConfig',
  formatting_func: 'formattingFunc', data_collator: 'dataCollator', compute_metrics: 'computeMetrics',
  // HF's older name of processing_class (Trainer's own normalisation accepts it too)
  tokenizer: 'processingClass',
};
function normalise(o: SFTTrainerOptions): SFTTrainerOptions {
  const out: Record<string, unknown> = { ...o };
  for (const [s, c] of Object.entries(SNAKE)) {
    if (!(s in out)) continue;
    if (out[c] !== undefined) throw new TypeError(`SFTTrainer: both '${s}' and '${c}' were given; pass one`);
    out[c] = out[s];
    delete out[s];
  }
  return out as unknown as SFTTrainerOptions;
}

/** Per-mode metric accumulators: device tensors until a log reads them. */
interface Acc { entropy: T[]; accuracy: T[]; numTokens: boolean }

/**
 * TRL's SFTTrainer.
 * @example
 * const trainer = new SFTTrainer({ model, processingClass: tok, trainDataset: rows,
 *   args: new SFTConfig({ output_dir: 'out', max_length: 512, packing: true, bf16: false }) });
 * await trainer.train();
 */
export class SFTTrainer extends Trainer {
  /** The options SFTTrainer takes beyond Trainer's (typos in the others are refused). */
  static override readonly extraOptionNames: readonly string[] = ['peft_config', 'formatting_func', 'peftConfig', 'formattingFunc'];
  declare args: SFTConfig;
  readonly tokenizer: PreTrainedTokenizerFast;
  readonly paddingFree: boolean;
  readonly completionOnlyLoss: boolean;
  /** The template datasets are rendered with when it differs from the tokenizer's (assistant_only_loss). */
  readonly chatTemplate: string | null;
  /** Resolves once the datasets are tokenized (and packed). */
  readonly ready: Promise<void>;
  #prepared = false;
  readonly #formattingFunc: ((row: SftRow) => string) | null;
  readonly #metrics: Record<'train' | 'eval', Acc> = { train: { entropy: [], accuracy: [], numTokens: false }, eval: { entropy: [], accuracy: [], numTokens: false } };
  #totalTrainTokens: T | null = null;
  /**
   * Padded training batches run unpadded (models/causal-lm.ts withUnpaddedTraining): the families that
   * mask packed rows.  TUNEKIT_UNPAD=0 turns it off (bench/sft-packing.ts: padding as TRL computes it).
   */
  readonly #unpad: boolean;

  /** Loads the model (a path) and clones a chat template (chat_template_path of another tokenizer), then constructs and prepares. */
  static async create(opts: SFTTrainerOptions): Promise<SFTTrainer> {
    let o = normalise(opts);
    const args = toSftConfig(o.args, o.model);
    if (typeof o.model === 'string') {
      const path = o.model;
      const model = await AutoModelForCausalLM.fromPretrained(path, (args.model_init_kwargs ?? {}) as never) as unknown as TrainableModel;
      o = { ...o, model, processingClass: o.processingClass ?? await AutoTokenizer.fromPretrained(path) as PreTrainedTokenizerFast };
    }
    if (args.chat_template_path !== null && !isTemplateFile(args.chat_template_path)) {
      if (!o.processingClass) throw new TypeError('SFTTrainer: processingClass (the tokenizer) is required');
      await cloneChatTemplate(o.model as never, o.processingClass, args.chat_template_path);
      o = { ...o, args: args.replace({ chat_template_path: null }) };
    } else o = { ...o, args };
    const t = new SFTTrainer(o);
    await t.ready;
    return t;
  }

  constructor(opts: SFTTrainerOptions) {
    const o = normalise(opts);
    if (typeof o.model === 'string') throw new TypeError(`SFTTrainer: the model '${o.model}' is a path; use \`await SFTTrainer.create({ model: '${o.model}', ... })\` to load it`);
    const args = toSftConfig(o.args, o.model);
    const tok = o.processingClass;
    if (!tok || typeof (tok as { call?: unknown }).call !== 'function') throw new TypeError('SFTTrainer: processingClass (a tokenizer) is required with a model instance');
    if (!o.trainDataset) throw new TypeError('`train_dataset` is required');
    if (args.eos_token !== null) {
      if (tok.convertTokensToIds(args.eos_token) === null)
        throw new RangeError(`The specified \`eos_token\` ('${args.eos_token}') is not found in the vocabulary of the given \`processing_class\` (${tok.constructor.name}). Ensure that the \`eos_token\` exists in the vocabulary before using it as an EOS token.`);
      tok.setSpecialToken('eos_token', args.eos_token);
    }
    if (args.chat_template_path !== null) {
      if (!isTemplateFile(args.chat_template_path))
        throw new TypeError(`SFTTrainer: chat_template_path '${args.chat_template_path}' is not a .jinja / .j2 file: cloning another tokenizer's template resizes the model; use \`await SFTTrainer.create(...)\``);
      (tok as { chatTemplate: unknown }).chatTemplate = readFileSync(args.chat_template_path, 'utf8');
    }
    const trainRows = readRows(o.trainDataset, 'train');
    const sample = trainRows[0] ?? {};
    let model = o.model;
    if (o.peftConfig) {
      if (model instanceof PeftModel)
        throw new TypeError('You passed a `PeftModel` instance together with a `peft_config` to the trainer. Please first merge and unload the existing adapter, save the resulting base model, and then pass that base model along with the new `peft_config` to the trainer.');
      model = getPeftModel(model as never, o.peftConfig) as unknown as TrainableModel;
    }
    const paddingFree = args.padding_free || (args.packing && (args.packing_strategy === 'bfd' || args.packing_strategy === 'bfd_split'));
    if (paddingFree && o.dataCollator) throw new TypeError('Passing a custom data collator is not supported when using padding-free.');
    if (paddingFree && !args.packing && args.max_length !== null)
      throw new RangeError('When `padding_free=True` without packing, `max_length` is not enforced. Either enable packing (e.g., `packing=True, packing_strategy=\'bfd\'`), provide already truncated inputs, or set `max_length=None`.');
    const completionOnlyLoss = args.completion_only_loss ?? ('prompt' in sample && 'completion' in sample);
    let collator = o.dataCollator;
    if (!collator) {
      const padToken = args.pad_token ?? tok.padToken ?? tok.eosToken;
      const padId = padToken === null ? null : tok.convertTokensToIds(padToken);
      if (padToken === null || padId === null)
        throw new RangeError(`The specified \`pad_token\` ('${padToken}') is not found in the vocabulary of the given \`processing_class\` (${tok.constructor.name}). Ensure that the \`pad_token\` exists in the vocabulary before using it as a padding token.`);
      tok.setSpecialToken('pad_token', padToken);
      setPadTokenId(model, padId);
      collator = new DataCollatorForLanguageModeling({ pad_token_id: padId, padding_free: paddingFree, pad_to_multiple_of: args.pad_to_multiple_of });
    }
    if (args.assistant_only_loss && !isConversational(sample))
      throw new TypeError('You set `assistant_only_loss=True`, but the dataset is not conversational. This option is only supported for conversational datasets.');
    const template = typeof tok.chatTemplate === 'string' ? tok.chatTemplate : null;
    const chatTemplate = args.assistant_only_loss && !(template !== null && hasGenerationMarkers(template)) ? getTrainingChatTemplate(tok) : null;
    if (completionOnlyLoss && o.formattingFunc && args.completion_only_loss !== false)
      throw new TypeError('A formatting function was provided while `completion_only_loss=True`, which is incompatible. Using a formatter converts the dataset to a language modeling type, conflicting with completion-only loss. To resolve this, apply your formatting function before passing the dataset, or disable `completion_only_loss` in `SFTConfig`.');
    let computeLossFunc = o.computeLossFunc;
    if (args.loss_type === 'dft') {
      if (computeLossFunc) throw new TypeError("You passed a `compute_loss_func` together with `loss_type='dft'` to the `SFTTrainer`. When using `loss_type='dft'`, the loss function is internally set to the DFT loss, so passing a `compute_loss_func` is not allowed.");
      computeLossFunc = dftLoss;
    }
    if (args.loss_type === 'chunked_nll' && model instanceof PeftModel) {
      const head = (model.getBaseModel() as unknown as { lm_head?: unknown }).lm_head;
      if (head instanceof LoraLayer)
        throw new TypeError("`loss_type='chunked_nll'` is not supported when `lm_head` is wrapped by a PEFT adapter (e.g. `target_modules='all-linear'` or explicitly including `'lm_head'`). Either remove `lm_head` from `target_modules`, or switch to `loss_type='nll'`.");
    }
    super({ ...o, model, args, processingClass: tok as never, dataCollator: collator, computeLossFunc, trainDataset: [] as never, evalDataset: undefined });
    this.tokenizer = tok;
    this.paddingFree = paddingFree;
    this.completionOnlyLoss = completionOnlyLoss;
    this.chatTemplate = chatTemplate;
    this.#formattingFunc = o.formattingFunc ?? null;
    if (args.loss_type === 'chunked_nll') setTokenStats(model, true);
    this.#unpad = process.env.TUNEKIT_UNPAD !== '0' && UNPAD_MODEL_TYPES.includes(String((baseOf(model) as { config?: { model_type?: string } }).config?.model_type));
    const skip = args.dataset_kwargs?.skip_prepare_dataset === true;
    this.ready = this.#prepareAll(trainRows, o.evalDataset ?? null, skip);
    this.ready.catch(() => {}); // surfaced by train() / create(); not an unhandled rejection meanwhile
  }

  async #prepareAll(trainRows: SftRow[], evalDs: SFTTrainerOptions['evalDataset'] | null, skip: boolean): Promise<void> {
    const a = this.args;
    const prep = (rows: SftRow[], packing: boolean, name: string): Promise<PreparedRow[]> => skip
      ? Promise.resolve(rows as unknown as PreparedRow[])
      : prepareSftRows(rows, {
        args: a, tokenizer: this.tokenizer, packing, formattingFunc: this.#formattingFunc, completionOnlyLoss: this.completionOnlyLoss,
        chatTemplate: this.chatTemplate, name,
      });
    this.trainDataset = await prep(trainRows, a.packing, 'train') as unknown as TrainerDataset;
    if (evalDs) {
      const packing = a.eval_packing ?? a.packing;
      const isNamed = !Array.isArray(evalDs) && typeof (evalDs as { at?: unknown }).at !== 'function';
      if (isNamed) {
        const out: Record<string, TrainerDataset> = {};
        for (const [k, d] of Object.entries(evalDs as Record<string, TrainerDataset<SftRow>>)) out[k] = await prep(readRows(d, k), packing, k) as unknown as TrainerDataset;
        this.evalDataset = out;
      } else this.evalDataset = await prep(readRows(evalDs, 'eval'), packing, 'eval') as unknown as TrainerDataset;
    }
    this.#prepared = true;
  }

  #checkReady(): void {
    if (!this.#prepared) throw new Error('SFTTrainer: the datasets are still being tokenized; `await trainer.ready` first (train() awaits it itself)');
  }

  override async train(opts: { resumeFromCheckpoint?: string | boolean | null } = {}): Promise<Awaited<ReturnType<Trainer['train']>>> {
    await this.ready;
    return super.train(opts);
  }
  override evaluate(evalDataset?: TrainerDataset, opts: { ignoreKeys?: string[]; metricKeyPrefix?: string } = {}): Record<string, number> {
    this.#checkReady();
    return super.evaluate(evalDataset, opts);
  }

  /** TRL's signature columns: input_ids, labels, seq_lengths (the packer's) — everything else is dropped. */
  protected override prepareDataset(ds: TrainerDataset): { dataset: TrainerDataset; collate: CollateFn<Feature, Batch> } {
    const base = this.dataCollator;
    const call = typeof base === 'function' ? base : (rows: Feature[]): Batch => base.collate(rows);
    if (!this.args.remove_unused_columns) return { dataset: ds, collate: call };
    const keepCols = ['input_ids', 'labels', 'seq_lengths'];
    return { dataset: ds, collate: (rows: Feature[]) => call(rows.map((r) => Object.fromEntries(Object.entries(r).filter(([k]) => keepCols.includes(k))))) };
  }

  /**
   * num_items_in_batch as transformers 5 counts it for a causal LM (the Trainer TRL 1.13 runs on):
   * labels[..., 1:] != -100, the tokens the shifted loss counts (4.47's Trainer, tunekit's base,
   * counts position 0 too, which makes the logged loss of an unpacked batch slightly smaller).
   */
  protected override numItemsInBatch(batches: Batch[]): Tensor | null { return countItems(batches, true); }

  /** TRL compute_loss: the loss, then entropy / mean_token_accuracy / num_tokens kept on the device for the next log. */
  override computeLoss(inputs: Batch, opts: { numItemsInBatch?: Tensor | null } = {}): { loss: Tensor; outputs: ModelOutput } {
    const mode = (this.model as { training?: boolean }).training === false ? 'eval' : 'train';
    const labels = inputs.labels ?? null;
    // padded batches: the layers skip the padding (same loss and metrics; a no-op for padding-free rows, in eval and off the CPU)
    const r = this.#unpad ? withUnpaddedTraining(() => super.computeLoss(inputs, opts)) : super.computeLoss(inputs, opts);
    const acc = this.#metrics[mode];
    const out = r.outputs as ModelOutput & { logits?: T; num_correct_tokens?: T; entropy_sum?: T; num_valid_tokens?: T };
    if (out.num_valid_tokens instanceof Tensor && out.entropy_sum instanceof Tensor && out.num_correct_tokens instanceof Tensor) {
      const n = out.num_valid_tokens;
      acc.entropy.push(keep(safeRatio(out.entropy_sum, n)));
      acc.accuracy.push(keep(safeRatio(out.num_correct_tokens, n)));
    } else if (labels && out.logits instanceof Tensor && out.logits.size(1) === labels.size(1)) {
      const h = out.logits;
      const s = statsFromLogits(h, labels);
      acc.entropy.push(keep(safeRatio(s.entropy, s.count)));
      acc.accuracy.push(keep(safeRatio(s.correct, s.count)));
    }
    if (mode === 'train') {
      // padded: the real tokens; padding-free: the row length (TRL); summed on the device, read at a log
      const n = 'attention_mask' in inputs ? inputs.attention_mask!.sum(undefined, false, { dtype: 'int64' })
        : 'position_ids' in inputs ? tensor(inputs.position_ids!.size(1), { dtype: 'int64', device: inputs.position_ids!.device }) : null;
      if (n === null) throw new Error("Expected 'attention_mask' or 'position_ids' in inputs.");
      const prev = this.#totalTrainTokens;
      this.#totalTrainTokens = keep(prev === null ? n.clone() : prev.add(n));
      prev?.dispose();
    }
    // TRL sets _metrics[mode]['num_tokens'] = [total train tokens] in every compute_loss, train or eval
    acc.numTokens = true;
    return r;
  }

  /** TRL log: the averages of the metrics gathered since the last log (prefixed eval_ in evaluation), then HF's log. */
  override log(logs: LogEntry): void {
    const mode = (this.model as { training?: boolean }).training === false ? 'eval' : 'train';
    const acc = this.#metrics[mode];
    const metrics: Record<string, number> = {};
    const mean = (xs: T[]): number => xs.reduce((s, x) => s + Number(x.item()), 0) / xs.length;
    if (acc.entropy.length) metrics.entropy = mean(acc.entropy);
    // TRL: num_tokens is the training total so far, logged in both modes
    if (acc.numTokens) metrics.num_tokens = this.#totalTrainTokens === null ? 0 : Number(this.#totalTrainTokens.item());
    if (acc.accuracy.length) metrics.mean_token_accuracy = mean(acc.accuracy);
    for (const x of [...acc.entropy, ...acc.accuracy]) x.dispose();
    acc.entropy = [];
    acc.accuracy = [];
    acc.numTokens = false;
    const named = mode === 'eval' ? Object.fromEntries(Object.entries(metrics).map(([k, v]) => [`eval_${k}`, v])) : metrics;
    super.log({ ...logs, ...named });
  }
}

/** where(n > 0, x / n, 0) as float32, 0-d. */
function safeRatio(x: T, n: T): T {
  const nf = n.float();
  return x.float().div(nf.clamp(1)).mul(nf.gt(0).float());
}

/** TRL's no-grad token statistics from full logits (B, T, V) and labels (B, T). */
function statsFromLogits(logits: T, labels: T): { entropy: T; correct: T; count: T } {
  const t = logits.size(1);
  const shiftLogits = logits.detach().narrow(1, 0, t - 1).float(); // (B, T-1, V)
  const shiftLabels = labels.narrow(1, 1, t - 1).to(logits.device); // (B, T-1)
  const logp = shiftLogits.logSoftmax(-1);
  const ent = logp.exp().mul(logp).sum(-1).neg(); // (B, T-1)
  const mask = shiftLabels.ne(-100);
  return {
    entropy: ent.mul(mask.float()).sum(),
    correct: shiftLogits.argmax(-1).eq(shiftLabels).logicalAnd(mask).sum(),
    count: mask.sum(),
  };
}

function isTemplateFile(p: string): boolean {
  return existsSync(p) && /\.(jinja|j2)$/.test(p);
}

function toSftConfig(args: SFTConfig | TrainingArguments | undefined, model: unknown): SFTConfig {
  if (args instanceof SFTConfig) return args;
  if (args instanceof TrainingArguments) return SFTConfig.fromDict(args.toDict());
  if (args !== undefined) throw new TypeError('SFTTrainer: args must be an SFTConfig (or TrainingArguments)');
  const name = typeof model === 'string' ? model : ((model as { config?: { _name_or_path?: string; model_type?: string } })?.config?._name_or_path || (model as { config?: { model_type?: string } })?.config?.model_type || 'model');
  return new SFTConfig({ output_dir: `${String(name).split('/').pop()}-SFT` });
}

function baseOf(model: unknown): Record<string, unknown> {
  return (model instanceof PeftModel ? model.getBaseModel() : model) as Record<string, unknown>;
}

/** TRL: model.config.pad_token_id (and the generation config's) follow the collator's pad token. */
function setPadTokenId(model: unknown, id: number): void {
  const m = baseOf(model) as { config?: { pad_token_id?: number | null }; generationConfig?: { pad_token_id?: number | null } | null };
  if (m.config) m.config.pad_token_id = id;
  if (m.generationConfig) m.generationConfig.pad_token_id = id;
}

/** Asks a causal LM for TRL's token statistics alongside a chunked loss (see models/token-stats.ts). */
function setTokenStats(model: unknown, on: boolean): void {
  const m = baseOf(model);
  if ('tokenStats' in m) m.tokenStats = on;
}

