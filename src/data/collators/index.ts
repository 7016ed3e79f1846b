// collators/index.ts — HF's data collators (transformers/data/data_collator.py) over tunekit tensors:
// features (rows of `input_ids`, `attention_mask`, `labels`, ...) in, Record<string, Tensor> out.
export type { Batch, Feature, Padding, PaddingSide } from './tensorize.js';
export { columnTensor, paddedLong } from './tensorize.js';
export { DataCollatorWithPadding, padFeatures, collateIds, type Collator, type CollatorTokenizer, type PadOptions, type Padded, type DataCollatorWithPaddingOptions } from './padding.js';
export { defaultDataCollator, type DefaultCollatorOptions } from './default.js';
export { DataCollatorForTokenClassification, type DataCollatorForTokenClassificationOptions } from './token-classification.js';
export { DataCollatorForSeq2Seq, shiftTokensRight, type DecoderInputsFromLabels, type DataCollatorForSeq2SeqOptions } from './seq2seq.js';
export { DataCollatorForLanguageModeling, type DataCollatorForLanguageModelingOptions } from './language-modeling.js';
export { DataCollatorForWholeWordMask } from './whole-word-mask.js';
