// beam-search.ts — beam search and beam sampling as transformers 4.47.1 runs them
// (generation/beam_search.py BeamSearchScorer + BeamHypotheses, utils.py _beam_search): per
// prompt, num_beams running beams and a heap of the num_beams best finished hypotheses. Each step
// scores every continuation of every beam (log-softmax, processors, plus the beam's running sum),
// keeps the top max(2, 1 + #eos) * num_beams candidates (or samples them), sends EOS candidates
// ranked within the first num_beams to the finished heap (score = sum of log-probs / generated
// length ** length_penalty, EOS counted), and continues with the best num_beams others. The
// bookkeeping is on the host; the candidates' scores (a few numbers per prompt) leave each step.
import { tidy, tensor, multinomial, type Tensor } from '../torch/index.js';
import { DecodingState, i64, toNumbers, type GenerateOutput, type StepEvent } from './decoding.js';
import type { Run } from './setup.js';

/** The num_beams best finished hypotheses of one prompt (HF BeamHypotheses). */
export class BeamHypotheses {
  readonly beams: { score: number; tokens: number[] }[] = [];
  worstScore = 1e9;
  constructor(readonly numBeams: number, readonly lengthPenalty: number, readonly earlyStopping: boolean | 'never', readonly maxLength: number) {}
  get length(): number { return this.beams.length; }

  /** Adds a hypothesis scored sumLogprobs / generatedLen ** lengthPenalty if it beats the worst kept. */
  add(tokens: number[], sumLogprobs: number, generatedLen: number): void {
    const score = sumLogprobs / generatedLen ** this.lengthPenalty;
    if (this.beams.length < this.numBeams || score > this.worstScore) {
      this.beams.push({ score, tokens });
      if (this.beams.length > this.numBeams) {
        const sorted = this.beams.map((b, i) => [b.score, i] as const).sort((a, b) => a[0] - b[0] || a[1] - b[1]);
        this.beams.splice(sorted[0]![1], 1);
        this.worstScore = sorted[1]![0];
      } else {
        this.worstScore = Math.min(score, this.worstScore);
      }
    }
  }

  /**
   * Whether no running beam can still beat the worst kept hypothesis. early_stopping true: as soon
   * as num_beams are finished; false: HF's heuristic, the best running sum scored at the current
   * length; 'never': the best attainable score (at max_length when length_penalty > 0).
   */
  isDone(bestSumLogprobs: number, curLen: number, promptLen: number): boolean {
    if (this.beams.length < this.numBeams) return false;
    if (this.earlyStopping === true) return true;
    const len = this.earlyStopping === 'never' && this.lengthPenalty > 0 ? this.maxLength - promptLen : curLen - promptLen;
    return this.worstScore >= bestSumLogprobs / len ** this.lengthPenalty;
  }
}

/**
 * Beam search (do_sample false) or beam sampling (true). Returns num_return_sequences sequences
 * per prompt, best first: finished ones carry their EOS (HF re-appends eos_token_id[0] where it
 * fits), shorter ones are padded with pad_token_id; sequences_scores are their final scores.
 */
export function* beamLoop(run: Run): Generator<StepEvent, GenerateOutput, void> {
  const { config, processors, criteria, eos, pad, generator, batch, promptLength, maxLength } = run;
  const nb = config.num_beams;
  const total = batch * nb;
  let rows = run.rows;
  const state = new DecodingState(run);
  let beamScores = new Float32Array(total).map((_, i) => (i % nb === 0 ? 0 : -1e9)); // only beam 0 starts (the others are copies)
  const hyps = Array.from({ length: batch }, () => new BeamHypotheses(nb, config.length_penalty, config.early_stopping, maxLength));
  const done = new Array<boolean>(batch).fill(false);
  const k = Math.max(2, 1 + (eos?.length ?? 0)) * nb;
  const scores: Tensor[] | undefined = run.returnDict && config.output_scores ? [] : undefined;
  const rawLogits: Tensor[] | undefined = run.returnDict && config.output_logits ? [] : undefined;
  try {
    for (;;) {
      const step = tidy(() => {
        const logits = state.forward(); // (B*nb, V)
        const processed = processors.call(state.inputIds(), logits.contiguous().logSoftmax(-1), { owned: true }); // (B*nb, V): a fresh tensor
        const v = processed.size(-1);
        const sums = processed.add(tensor(beamScores, { shape: [total, 1] }).to(processed.device)).view(batch, nb * v); // (B, nb*V)
        let values: Tensor, indices: Tensor;
        if (config.do_sample) {
          const picked = multinomial(sums.softmax(-1), k, false, generator ? { generator } : {}); // (B, K)
          const sorted = sums.gather(-1, picked).sort(-1, true);
          values = sorted.values;
          indices = picked.gather(-1, sorted.indices);
        } else {
          ({ values, indices } = sums.topk(k, 1, true, true)); // (B, K)
        }
        return {
          v, values: Array.from(values.contiguous().toTypedArray() as Float32Array), indices: toNumbers(indices.contiguous().view(-1)),
          processed: scores ? processed : null, logits: rawLogits ? logits : null,
        };
      });
      if (step.processed) scores!.push(step.processed);
      if (step.logits) rawLogits!.push(step.logits);

      // BeamSearchScorer.process: the next beams of every prompt
      const curLen = state.length + 1; // the length the candidates' scores are for
      const nextScores = new Float32Array(total), nextTokens = new Array<number>(total), nextRows = new Array<number>(total);
      for (let bi = 0; bi < batch; bi++) {
        if (done[bi]) {
          for (let j = 0; j < nb; j++) { nextScores[bi * nb + j] = 0; nextTokens[bi * nb + j] = pad ?? 0; nextRows[bi * nb + j] = bi * nb; }
          continue;
        }
        let filled = 0;
        for (let rank = 0; rank < k && filled < nb; rank++) {
          const flat = step.indices[bi * k + rank]!, score = step.values[bi * k + rank]!;
          const tok = flat % step.v, row = bi * nb + Math.floor(flat / step.v);
          if (eos && eos.includes(tok)) {
            if (rank >= nb) continue; // an EOS outside the top num_beams does not finish a hypothesis
            hyps[bi]!.add([...rows[row]!], score, curLen - promptLength);
          } else {
            nextScores[bi * nb + filled] = score;
            nextTokens[bi * nb + filled] = tok;
            nextRows[bi * nb + filled] = row;
            filled++;
          }
        }
        if (filled < nb) throw new Error(`${run.who}: at most ${nb} of the ${k} best candidates can be an eos_token_id (${JSON.stringify(eos)})`);
        done[bi] = done[bi] || hyps[bi]!.isDone(step.values[bi * k]!, curLen, promptLength);
      }
      state.reorder(nextRows);
      state.append(nextTokens);
      rows = nextRows.map((r, i) => [...rows[r]!, nextTokens[i]!]);
      beamScores = nextScores;
      const stop = tidy(() => criteria.call(state.inputIds(), null, rows));
      yield { tokens: nextTokens, active: nextTokens.map((_, i) => !done[Math.floor(i / nb)]) };
      if (done.every(Boolean) || stop.every(Boolean)) break;
    }
  } finally {
    state.dispose();
  }

  // BeamSearchScorer.finalize: running beams of unfinished prompts join the hypotheses
  for (let bi = 0; bi < batch; bi++) {
    if (done[bi]) continue;
    for (let j = 0; j < nb; j++) {
      const r = bi * nb + j;
      hyps[bi]!.add([...rows[r]!], beamScores[r]!, rows[r]!.length - promptLength);
    }
  }
  const nrs = config.num_return_sequences;
  const best: { score: number; tokens: number[] }[] = [];
  for (const h of hyps) {
    const sorted = [...h.beams].sort((a, b) => a.score - b.score); // stable, as Python's sorted; best popped last
    for (let j = 0; j < nrs; j++) best.push(sorted.pop()!);
  }
  const lengths = best.map((h) => h.tokens.length);
  const width = Math.min(Math.max(...lengths) + 1, maxLength);
  const flat: number[] = [];
  for (const h of best) {
    const row = new Array<number>(width).fill(pad ?? 0);
    h.tokens.forEach((t, i) => { if (i < width) row[i] = t; });
    if (h.tokens.length < width && eos) row[h.tokens.length] = eos[0]!; // HF inserts the first EOS where it fits
    flat.push(...row);
  }
  const sequences = tidy(() => i64(flat, [best.length, width]).to(run.device));
  const out: GenerateOutput = { sequences };
  if (scores) { out.scores = scores; out.sequences_scores = tidy(() => tensor(Float32Array.from(best, (h) => h.score)).to(run.device)); }
  if (rawLogits) out.logits = rawLogits;
  return out;
}
