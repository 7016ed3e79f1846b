// src/data/loaders/squad.ts — SQuAD v1.1/v2.0 JSON ({data: [{title, paragraphs: [{context, qas}]}]})
// flattened to one row per question as HF's squad / squad_v2: id, title, context, question,
// answers {text: [...], answer_start: [...]} (empty lists for unanswerable v2 questions).
// Mirrors datasets/squad_v2/squad_v2.py (plausible_answers and is_impossible are not kept).
import { Sequence, Value, type Features } from '../features.js';
import { type Builder, type ParsedFile, decodeText } from './types.js';

/** HF squad / squad_v2 features (answers is Sequence({text, answer_start})). */
export function squadFeatures(): Features {
  return {
    id: new Value('string'),
    title: new Value('string'),
    context: new Value('string'),
    question: new Value('string'),
    answers: Sequence({ text: new Value('string'), answer_start: new Value('int32') }),
  };
}

interface SquadQa {
  id: string;
  question: string;
  answers?: { text: string; answer_start: number }[];
}

/** Flattens a SQuAD JSON document to one row per question. */
export function parseSquad(text: string, file: string): ParsedFile {
  let doc: { data?: { title?: string; paragraphs?: { context: string; qas?: SquadQa[] }[] }[] };
  try {
    doc = JSON.parse(text) as typeof doc;
  } catch (e) {
    throw new SyntaxError(`${file}: invalid JSON: ${(e as Error).message}`);
  }
  if (!Array.isArray(doc.data)) throw new Error(`${file}: not a SQuAD file (no top-level "data" list)`);
  const cols = { id: [] as string[], title: [] as string[], context: [] as string[], question: [] as string[], answers: [] as unknown[] };
  doc.data.forEach((article, a) => {
    for (const [p, para] of (article.paragraphs ?? []).entries()) {
      if (typeof para.context !== 'string') throw new Error(`${file}: data[${a}].paragraphs[${p}] has no context`);
      for (const qa of para.qas ?? []) {
        cols.id.push(qa.id);
        cols.title.push(article.title ?? '');
        cols.context.push(para.context);
        cols.question.push(qa.question);
        const ans = qa.answers ?? [];
        cols.answers.push({ text: ans.map((x) => x.text), answer_start: ans.map((x) => x.answer_start) });
      }
    }
  });
  return { columns: new Map<string, unknown[]>(Object.entries(cols)), numRows: cols.id.length, features: squadFeatures() };
}

/** loadDataset('squad' | 'squad_v2'). */
export const squadBuilder: Builder = {
  extensions: ['.json'],
  parse: (bytes, file) => parseSquad(decodeText(bytes), file),
};
