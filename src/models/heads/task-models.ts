// task-models.ts — the task models every architecture shares (transformers 5.x's
// GenericForSequenceClassification / GenericForTokenClassification / GenericForQuestionAnswering
// in modeling_layers.py, and BERT's heads they generalise): a base model under the class's
// baseModelPrefix (`bert`, `model`, `transformer`), a classifier with HF's module names, the
// forward and the loss.  An architecture's head is a thin class:
//   class BertForSequenceClassification extends ForSequenceClassification(BertPreTrainedModel, {
//     base: (c) => new BertModel(c), inputs: BERT_INPUTS, pooling: 'pooler', classifier: ... }) {}
import type { Tensor } from '../../torch/index.js';
import type { Module, KVCache } from '../../nn/index.js';
import type { PretrainedConfig } from '../config/pretrained.js';
import {
  PreTrainedModel, checkInputs, markChecked,
  type LabeledInputs, type QuestionAnsweringInputs, type ClassifierOutput, type QuestionAnsweringOutput,
} from '../modeling.js';
import { sequenceClassificationLoss, tokenClassificationLoss, questionAnsweringLoss, splitSpanLogits, baseInputs, withExtras } from './losses.js';
import { poolSequence, type Pooling } from './pooling.js';
import type { Classifier } from './classifiers.js';

/** What a head reads from its base model's output (encoders and decoders alike). */
export interface BaseOutput {
  /** (B, T, H) */
  last_hidden_state: Tensor;
  /** (B, H), BERT's pooler */
  pooler_output?: Tensor;
  hidden_states?: Tensor[];
  past_key_values?: KVCache;
}
/** A base model as a head uses it. */
export type BaseModelLike = Module & { forward(inputs: never): BaseOutput };

/** Decoder inputs a head passes on to its base model (beyond the encoders'). */
export interface DecoderExtras {
  past_key_values?: KVCache | null;
  use_cache?: boolean;
}
/** Inputs of the classification heads: the base model's plus labels. */
export type HeadInputs = LabeledInputs & DecoderExtras;
/** Inputs of the QA heads. */
export type QAHeadInputs = QuestionAnsweringInputs & DecoderExtras;
/** Outputs carry the decoder's cache when it made one. */
export type HeadOutput = ClassifierOutput & { past_key_values?: KVCache };
export type QAHeadOutput = QuestionAnsweringOutput & { past_key_values?: KVCache };

/** What every task model is built from. */
export interface TaskSpec<C> {
  /** The base model (its pooler only where the head reads it). */
  base(config: C): BaseModelLike;
  /** The base model's forward input names (BERT_INPUTS, DECODER_INPUTS, ...). */
  inputs: readonly string[];
}
export interface SequenceClassificationSpec<C> extends TaskSpec<C> {
  pooling: Pooling;
  /** (B, H) -> (B, num_labels) */
  classifier: Classifier<C>;
}
export interface TokenClassificationSpec<C> extends TaskSpec<C> {
  /** (B, T, H) -> (B, T, num_labels) */
  classifier: Classifier<C>;
}
export interface QuestionAnsweringSpec<C> extends TaskSpec<C> {
  /** `qa_outputs`: (B, T, H) -> (B, T, 2) */
  classifier: Classifier<C>;
}

// A mixin's base: an architecture's PreTrainedModel subclass (BertPreTrainedModel, ...).
// eslint-disable-next-line @typescript-eslint/no-explicit-any
type ModelBase = abstract new (...args: any[]) => PreTrainedModel;
type Attrs = Record<string, Module>;

/** Puts the base model under baseModelPrefix and the classifier's modules beside it. */
function assemble<C>(model: PreTrainedModel, config: C, spec: TaskSpec<C>, classifier: Classifier<C>): Attrs {
  const prefix = (model.constructor as typeof PreTrainedModel).baseModelPrefix;
  if (!prefix) throw new Error(`${model.constructor.name}: a task model needs a baseModelPrefix`);
  const self = model as unknown as Attrs;
  self[prefix] = spec.base(config);
  const modules = classifier.build(config);
  for (const [name, m] of Object.entries(modules)) self[name] = m;
  return modules;
}

function withCache<O extends object>(out: O, base: BaseOutput): O & { past_key_values?: KVCache } {
  return base.past_key_values ? Object.assign(out, { past_key_values: base.past_key_values }) : out;
}

/**
 * Sequence classification on top of `Base`: logits (B, num_labels) from the pooled sequence; with
 * `labels` the loss of config.problem_type (inferred at the first call, as HF).
 */
export function ForSequenceClassification<C extends PretrainedConfig, B extends ModelBase>(Base: B, spec: SequenceClassificationSpec<C>) {
  abstract class SequenceClassification extends Base {
    static readonly inputNames: readonly string[] = [...spec.inputs, 'labels'];
    // eslint-disable-next-line @typescript-eslint/no-explicit-any
    constructor(...args: any[]) {
      super(...args);
      assemble(this, args[0] as C, spec, spec.classifier);
      this.postInit();
    }
    /** inputs -> { logits (B, num_labels), loss?, hidden_states?, past_key_values? } */
    forward(inputs: HeadInputs): HeadOutput {
      const who = this.constructor.name;
      checkInputs(inputs, this.inputNames, who, this.inputLimits());
      const out = (this.baseModel as BaseModelLike).forward(markChecked(baseInputs(inputs, 'labels')) as never);
      const pooled = poolSequence(spec.pooling, out, inputs.input_ids, this.config.pad_token_id, who); // (B, H)
      const logits = spec.classifier.forward(this as unknown as Attrs, pooled); // (B, num_labels)
      const loss = inputs.labels ? sequenceClassificationLoss(logits, inputs.labels, this.config) : undefined;
      return withCache(withExtras({ logits }, loss, out.hidden_states), out);
    }
  }
  return SequenceClassification;
}

/** Token classification on top of `Base`: logits (B, T, num_labels); labels (B, T), -100 ignored. */
export function ForTokenClassification<C extends PretrainedConfig, B extends ModelBase>(Base: B, spec: TokenClassificationSpec<C>) {
  abstract class TokenClassification extends Base {
    static readonly inputNames: readonly string[] = [...spec.inputs, 'labels'];
    // eslint-disable-next-line @typescript-eslint/no-explicit-any
    constructor(...args: any[]) {
      super(...args);
      assemble(this, args[0] as C, spec, spec.classifier);
      this.postInit();
    }
    /** inputs -> { logits (B, T, num_labels), loss?, hidden_states?, past_key_values? } */
    forward(inputs: HeadInputs): HeadOutput {
      checkInputs(inputs, this.inputNames, this.constructor.name, this.inputLimits());
      const out = (this.baseModel as BaseModelLike).forward(markChecked(baseInputs(inputs, 'labels')) as never);
      const logits = spec.classifier.forward(this as unknown as Attrs, out.last_hidden_state); // (B, T, num_labels)
      const loss = inputs.labels ? tokenClassificationLoss(logits, inputs.labels) : undefined;
      return withCache(withExtras({ logits }, loss, out.hidden_states), out);
    }
  }
  return TokenClassification;
}

/**
 * Extractive QA on top of `Base`: qa_outputs per token -> start_logits / end_logits (B, T); with
 * start_positions and end_positions HF's loss (out-of-window positions are ignored).
 */
export function ForQuestionAnswering<C extends PretrainedConfig, B extends ModelBase>(Base: B, spec: QuestionAnsweringSpec<C>) {
  abstract class QuestionAnswering extends Base {
    static readonly inputNames: readonly string[] = [...spec.inputs, 'start_positions', 'end_positions'];
    // eslint-disable-next-line @typescript-eslint/no-explicit-any
    constructor(...args: any[]) {
      super(...args);
      assemble(this, args[0] as C, spec, spec.classifier);
      this.postInit();
    }
    /** inputs -> { start_logits (B, T), end_logits (B, T), loss?, hidden_states?, past_key_values? } */
    forward(inputs: QAHeadInputs): QAHeadOutput {
      checkInputs(inputs, this.inputNames, this.constructor.name, this.inputLimits());
      const out = (this.baseModel as BaseModelLike).forward(markChecked(baseInputs(inputs, 'start_positions', 'end_positions')) as never);
      const span = splitSpanLogits(spec.classifier.forward(this as unknown as Attrs, out.last_hidden_state)); // (B, T) x 2
      const { start_positions: sp, end_positions: ep } = inputs;
      const loss = sp && ep ? questionAnsweringLoss(span.start_logits, span.end_logits, sp, ep) : undefined;
      return withCache(withExtras(span, loss, out.hidden_states), out);
    }
  }
  return QuestionAnswering;
}
