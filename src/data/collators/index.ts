// collators/index.ts — HF's data collators (transformers/data/data_collator.py) over tunekit tensors:
// features (rows of `input_ids`, `attention_mask`, `labels`, ...) in, Record<string, Tensor> out.
export type { Batch, Feature, Padding, PaddingSide } from './tensorize.js';
export { columnTensor, paddedLong } from './tensorize.js';
export { DataCollatorWithPadding, padFeatures, collateIds, type Collator, type CollatorTokenizer, type PadOptions, type PaddingArgs, type Padded, type DataCollatorWithPaddingOptions, type DataCollatorWithPaddingArgs } from './padding.js';
export { defaultDataCollator, type DefaultCollatorOptions } from './default.js';
export { DataCollatorForTokenClassification, type DataCollatorForTokenClassificationOptions, type DataCollatorForTokenClassificationArgs } from './token-classification.js';
export { DataCollatorForSeq2Seq, shiftTokensRight, type DecoderInputsFromLabels, type DataCollatorForSeq2SeqOptions, type DataCollatorForSeq2SeqArgs } from './seq2seq.js';
export { DataCollatorForLanguageModeling, type DataCollatorForLanguageModelingOptions, type DataCollatorForLanguageModelingArgs } from './language-modeling.js';
export { DataCollatorForWholeWordMask } from './whole-word-mask.js';
export { CallableCollator } from './callable.js';
export { groupTexts, type GroupTextsOptions } from './group-texts.js';
