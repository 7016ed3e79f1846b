// tunekit/metrics — evaluation metrics with the semantics of scikit-learn 1.2, scipy 1.10,
// seqeval 1.2.2, the official SQuAD scripts, sacrebleu 2.5, rouge_score 0.1.2 and evaluate's
// metric wrappers.  Numbers (and
// strings) in, numbers out: this layer imports nothing else from src.
export { MetricError, emitWarning, npSum, npMean, npAverage, type WarningHandler, type ZeroDivision, type Average } from './common.js';
export {
  accuracyScore, precisionScore, recallScore, f1Score, fbetaScore, precisionRecallFscoreSupport,
  matthewsCorrcoef, confusionMatrix, type Label, type PrfOptions, type PrfSupport,
} from './classification.js';
export { pearsonr, spearmanr, rankdata } from './correlation.js';
export { glue, checkGlueConfig, GLUE_CONFIGS, type GlueConfig, type GlueOutput } from './glue.js';
export { strictEntities, autoDetectScheme, SEQEVAL_SCHEMES, type SeqevalScheme, type StrictEntity } from './seqeval-scheme.js';
export {
  seqeval, classificationReport, getEntities, seqevalAccuracy, seqevalScores,
  type SeqevalOptions, type SeqevalOutput, type SeqevalTypeScores, type ClassificationReport, type ReportRow, type Chunk,
} from './seqeval.js';
export { squad, normalizeAnswer, squadF1, squadExactMatch, type SquadPrediction, type SquadReference } from './squad.js';
export { squadV2, computeExact, computeF1, type SquadV2Prediction, type SquadV2Output } from './squad-v2.js';
export { perplexity, corpusPerplexity, sequencePerplexities } from './perplexity.js';
export { bleu, computeBleu, tokenize13a, type BleuOutput } from './bleu.js';
export { sacrebleu, type SacrebleuOptions, type SacrebleuOutput, type SmoothMethod } from './sacrebleu.js';
export { rouge, rougeScore, rougeTokenize, type RougeOptions, type RougeScore } from './rouge.js';
export { porterStem } from './porter.js';
export { load, combine, METRIC_NAMES, type Metric, type MetricName, type MetricSpecs, type MetricLike } from './registry.js';
export { EvaluationModule, camelOptions } from './module.js';
