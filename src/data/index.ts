// src/data/index.ts — the data layer: Dataset / DatasetDict, features, loadDataset and the format
// readers, caching and progress switches. Mirrors the public surface of HF `datasets`.
export { ClassLabel, List, Sequence, Value, featureFromJSON, featureToJSON, featureToString, featuresFromJSON, featuresToJSON, featuresEqual } from './features.js';
export type { Dtype, FeatureDict, FeatureType, Features } from './features.js';
export { inferFeature, inferFeatures } from './encode.js';
export { Dataset, concatenateDatasets } from './dataset.js';
export type { Batch, Row, TrainTestSplitOptions } from './dataset.js';
export { DatasetDict } from './dataset-dict.js';
export type { MapOptions, TransformOptions } from './map.js';
export { BUILDERS, loadDataset, selectSplit } from './load.js';
export type { LoadDatasetOptions } from './load.js';
export type { DataFiles } from './files.js';
export type { FormatOptions } from './loaders/types.js';
export { CONLL2003_CHUNK, CONLL2003_NER, CONLL2003_POS, conll2003Features, iob1ToIob2, isIob1, parseConll } from './loaders/conll.js';
export { parseCsv } from './loaders/csv.js';
export { parseGlue } from './loaders/glue.js';
export { parseJson } from './loaders/json.js';
export { parseParquet } from './loaders/parquet.js';
export { parseSquad, squadFeatures } from './loaders/squad.js';
export { parseText } from './loaders/text.js';
export { parseSplitSpec, resolveSplitSpec, roundHalfEven } from './split.js';
export type { RelativeInstruction, SplitRange } from './split.js';
export { cacheRoot, disableCaching, enableCaching, isCachingEnabled } from './cache.js';
export { ProgressBar, areProgressBarsDisabled, disableProgressBars, enableProgressBars, formatDuration } from './progress.js';
export type { ProgressOptions, ProgressStream } from './progress.js';
export { Rng, permutation } from './rng.js';
export { loadFromDisk } from './disk-load.js';
export { type DatasetDictPushOptions, type PushToHubOptions, writeParquet } from './hub-push.js'; // also adds Dataset / DatasetDict .pushToHub
// Collators and the data loader. Their `Batch` (tensors out of a collator) is exported as
// CollatedBatch: `Batch` here is the dataset batch (column -> values) that map functions receive.
export * from './collators/index.js';
export type { Batch as CollatedBatch } from './collators/index.js';
export * from './dataloader.js';
