// src/metrics/seqeval.ts and seqeval-scheme.ts against seqeval 1.2.2 and evaluate's seqeval
// metric (fixtures/hf/metrics/seqeval.json: every case in default and strict-IOB2 mode, every
// field of evaluate's dict, of classification_report(output_dict=True) and of the *_score
// functions), the docstring examples, each scheme's chunking, and the input errors.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import {
  autoDetectScheme, classificationReport, getEntities, seqeval, seqevalAccuracy, seqevalScores, strictEntities,
  MetricError, type SeqevalOptions, type SeqevalScheme,
} from '../../src/metrics/index.js';
import { assertMatches, collector, readMetricFixture } from './fixture.js';

interface SeqevalLib { precision: number; recall: number; f1: number; accuracy: number; classification_report: Record<string, unknown> }
interface Case {
  references: string[][];
  predictions: string[][];
  outputs: { evaluate_default: unknown; evaluate_strict_iob2: unknown; seqeval_default: SeqevalLib; seqeval_strict_iob2: SeqevalLib };
}
const fixture = readMetricFixture<Case>('seqeval');
const MODES: Record<string, SeqevalOptions> = { default: {}, strict_iob2: { mode: 'strict', scheme: 'IOB2' } };

test('seqeval.json: every case, both modes, every field matches seqeval / evaluate', () => {
  let leaves = 0;
  for (const c of fixture.cases) {
    const outputs = c.outputs as unknown as Record<string, unknown>;
    assert.deepEqual(Object.keys(outputs).sort(), ['evaluate_default', 'evaluate_strict_iob2', 'seqeval_default', 'seqeval_strict_iob2']);
    for (const [mode, modeOpts] of Object.entries(MODES)) {
      const opts = { ...modeOpts, onWarning: collector().onWarning };
      const where = `${c.name}/${mode}`;
      leaves += assertMatches(seqeval(c.predictions, c.references, opts), outputs[`evaluate_${mode}`], `${where}/evaluate`);
      const lib = outputs[`seqeval_${mode}`] as SeqevalLib;
      assert.deepEqual(Object.keys(lib), ['precision', 'recall', 'f1', 'accuracy', 'classification_report']);
      const s = seqevalScores(c.references, c.predictions, opts);
      leaves += assertMatches({ ...s, accuracy: seqevalAccuracy(c.references, c.predictions) }, { precision: lib.precision, recall: lib.recall, f1: lib.f1, accuracy: lib.accuracy }, `${where}/scores`);
      leaves += assertMatches(classificationReport(c.references, c.predictions, opts), lib.classification_report, `${where}/classification_report`);
    }
  }
  assert.ok(leaves > 200, `compared ${leaves} numbers`);
});

test('the course example: overall 1.0 / 0.667 / 0.8 / 0.889', () => {
  const c = fixture.cases.find((k) => k.name === 'course_example')!;
  const { warnings, onWarning } = collector();
  const r = seqeval(c.predictions, c.references, { onWarning });
  // ORG is never predicted: its precision is undefined, 0.0 with a warning (zero_division 'warn')
  assert.deepEqual(warnings, ['Precision and F-score are ill-defined and being set to 0.0 in labels with no predicted samples. Use `zero_division` parameter to control this behavior.']);
  assert.equal(r.overall_precision, 1);
  assert.equal(r.overall_recall, 2 / 3);
  assert.equal(r.overall_f1, 0.8);
  assert.equal(r.overall_accuracy, 8 / 9);
});

test('seqeval README example: MISC shifted by one token', () => {
  const yTrue = [['O', 'O', 'O', 'B-MISC', 'I-MISC', 'I-MISC', 'O'], ['B-PER', 'I-PER', 'O']];
  const yPred = [['O', 'O', 'B-MISC', 'I-MISC', 'I-MISC', 'I-MISC', 'O'], ['B-PER', 'I-PER', 'O']];
  assert.deepEqual(seqevalScores(yTrue, yPred), { precision: 0.5, recall: 0.5, f1: 0.5 });
  assert.equal(seqevalAccuracy(yTrue, yPred), 0.8);
  assert.deepEqual(seqevalScores(yTrue, yPred, { average: null }), { precision: [0, 1], recall: [0, 1], f1: [0, 1] });
  const r = classificationReport(yTrue, yPred);
  assert.deepEqual(Object.keys(r), ['MISC', 'PER', 'micro avg', 'macro avg', 'weighted avg']);
  assert.deepEqual(r.MISC, { precision: 0, recall: 0, 'f1-score': 0, support: 1 });
  assert.deepEqual(r['weighted avg'], { precision: 0.5, recall: 0.5, 'f1-score': 0.5, support: 2 });
});

test('default mode: get_entities (conlleval chunking)', () => {
  assert.deepEqual(getEntities(['B-PER', 'I-PER', 'O', 'B-LOC']), [['PER', 0, 1], ['LOC', 3, 3]]);
  // sentences are joined with an O between them
  assert.deepEqual(getEntities([['B-PER', 'O'], ['B-LOC']]), [['PER', 0, 0], ['LOC', 3, 3]]);
  // I- without B- opens a chunk; a type switch closes one
  assert.deepEqual(getEntities(['I-PER', 'I-PER', 'I-LOC', 'O']), [['PER', 0, 1], ['LOC', 2, 2]]);
  assert.deepEqual(getEntities(['PER-B', 'PER-I', 'O'], { suffix: true }), [['PER', 0, 1]]);
  const { warnings, onWarning } = collector();
  assert.deepEqual(getEntities(['U-PER', 'O'], { onWarning }), [['PER', 0, 0]]);
  assert.deepEqual(warnings, ['U-PER seems not to be NE tag.']);
});

test('strict mode: each scheme chunks as seqeval.scheme defines it', () => {
  const cases: [SeqevalScheme, string[], [string, number, number][]][] = [
    ['IOB2', ['B-PER', 'I-PER', 'O', 'B-LOC'], [['PER', 0, 2], ['LOC', 3, 4]]],
    ['IOB2', ['I-PER', 'I-PER', 'O'], []], // no B-: no entity
    ['IOB1', ['I-PER', 'I-PER', 'B-PER', 'O'], [['PER', 0, 2], ['PER', 2, 3]]],
    ['IOE1', ['I-PER', 'E-PER', 'I-PER', 'O'], [['PER', 0, 2], ['PER', 2, 3]]],
    ['IOE2', ['I-PER', 'E-PER', 'E-LOC', 'O'], [['PER', 0, 2], ['LOC', 2, 3]]],
    ['IOBES', ['S-PER', 'B-LOC', 'I-LOC', 'E-LOC', 'O'], [['PER', 0, 1], ['LOC', 1, 4]]],
    ['IOBES', ['B-PER', 'I-PER', 'O'], []], // no E-: the chunk never ends
    ['BILOU', ['U-PER', 'B-LOC', 'I-LOC', 'L-LOC'], [['PER', 0, 1], ['LOC', 1, 4]]],
    ['BILOU', ['B-LOC', 'I-LOC'], []],
  ];
  for (const [scheme, seq, expected] of cases)
    assert.deepEqual(strictEntities(seq, scheme).map(([, t, a, b]) => [t, a, b]), expected, `${scheme} ${seq.join(' ')}`);
  assert.deepEqual(strictEntities(['PER-B', 'PER-I'], 'IOB2', { suffix: true, sentence: 3 }), [[3, 'PER', 0, 2]]);
});

test('strict mode without a scheme auto-detects it from the references', () => {
  assert.equal(autoDetectScheme([['B-PER', 'I-PER', 'O']]), 'IOB2');
  assert.equal(autoDetectScheme([['I-PER', 'E-PER', 'O']]), 'IOE2');
  assert.equal(autoDetectScheme([['B-PER', 'E-PER', 'S-LOC', 'O']]), 'IOBES');
  assert.equal(autoDetectScheme([['B-PER', 'L-PER', 'U-X', 'O']]), 'BILOU');
  assert.throws(() => autoDetectScheme([['O', 'O']]), /This scheme is not supported/);
  const c = fixture.cases.find((k) => k.name === 'mixed_errors')!;
  assert.deepEqual(seqeval(c.predictions, c.references, { mode: 'strict', onWarning: () => {} }), c.outputs.evaluate_strict_iob2);
});

test('bad input: unknown prefixes in strict mode, unknown scheme or mode, length mismatch, empty', () => {
  const ok = [['B-PER', 'O']];
  assert.throws(() => seqeval([['X-PER', 'O']], ok, { mode: 'strict', scheme: 'IOB2' }),
    (e: unknown) => e instanceof MetricError && e.message === 'Invalid token is found: X-PER. Allowed prefixes are: I|O|B.');
  assert.throws(() => seqeval([['E-PER', 'O']], ok, { mode: 'strict', scheme: 'IOB2' }), /Invalid token is found: E-PER/);
  assert.throws(() => seqeval(ok, ok, { scheme: 'IOB3' as SeqevalScheme }), /Scheme should be one of \[IOB1, IOB2, IOE1, IOE2, IOBES, BILOU\], got IOB3/);
  assert.throws(() => seqeval(ok, ok, { mode: 'strict', scheme: 'IOB3' as SeqevalScheme }), /Scheme should be one of \[IOB1, IOB2, IOE1, IOE2, IOBES, BILOU\], got IOB3/);
  assert.throws(() => seqeval(ok, ok, { mode: 'lenient' as 'strict' }), /mode must be null or 'strict'/);
  assert.throws(() => seqeval([...ok, ...ok], ok), /2 predictions, 1 references/);
  assert.throws(() => seqeval([['B-PER']], ok), /sequence 0 has 1 predicted tags but 2 reference tags/);
  assert.throws(() => seqeval([], []), /empty/);
  assert.throws(() => seqeval([['']], [['O']]), /non-empty strings/);
  assert.throws(() => seqevalScores(ok, ok, { average: 'binary' as 'micro' }), /average has to be one of/);
});
