// The fast path of tokenizer.call (call.ts) for single sequences without overflow windows: one
// tokenizers encodeBatch truncates, post-processes and pads in Rust, as tokenizers' own
// encode_batch does, instead of truncate/postProcess/pad per row through N-API. Settings live on
// pooled copies of the backend (same tokenizer.json + the changes made since), never on the shared
// backend: the binding's async task reads a tokenizer's settings on its worker thread, so an
// instance is only reconfigured while no encode on it is in flight.
import { Tokenizer, type Encoding } from 'tokenizers';

/** Truncation and padding for one encodeBatch; null = off. */
export interface RustSettings {
  truncation: { maxLength: number; strategy: 'longest_first' | 'only_first' | 'only_second'; direction: 'left' | 'right' } | null;
  /** length null: to the longest row of the batch. */
  padding: { length: number | null; multiple?: number; direction: 'left' | 'right'; padId: number; padTypeId: number; padToken: string } | null;
}

const STRATEGY = { longest_first: 'LongestFirst', only_first: 'OnlyFirst', only_second: 'OnlySecond' } as const;

interface Pooled { tokenizer: Tokenizer; key: string; inFlight: number }

/** Backend copies configured for {@link RustSettings}, reused across calls. */
export class RustBackends {
  private readonly changes: Array<(t: Tokenizer) => void> = [];
  private pool: Pooled[] = [];

  /**
   * @param json    the tokenizer.json the backend was built from; null disables the fast path
   * @param backend the shared backend (truncation and padding off): encodes calls that need neither
   */
  constructor(private readonly json: string | null, private readonly backend: Tokenizer) {}

  /** Records a change made to the backend (added tokens, post-processor) and drops the copies made before it. */
  record(change: (t: Tokenizer) => void): void {
    this.changes.push(change);
    this.pool = [];
  }

  /** Drops every copy (special tokens changed: pad id / token are part of the settings anyway). */
  invalidate(): void { this.pool = []; }

  /**
   * Encodes `texts` (no pairs: the binding's encodeBatch takes strings only) with `settings` applied
   * in Rust; null when settings are asked for but there is no tokenizer.json to copy.
   */
  async encode(texts: string[], addSpecialTokens: boolean, settings: RustSettings): Promise<Encoding[] | null> {
    if (texts.length === 0) return [];
    if (settings.truncation === null && settings.padding === null) return this.backend.encodeBatch(texts as never[], { addSpecialTokens });
    if (this.json === null) return null;
    const entry = this.acquire(settings);
    entry.inFlight++;
    try {
      return await entry.tokenizer.encodeBatch(texts as never[], { addSpecialTokens });
    } finally {
      entry.inFlight--;
    }
  }

  /** A copy with these settings: one already set so, else an idle one reconfigured, else a new one. */
  private acquire(s: RustSettings): Pooled {
    const key = JSON.stringify(s);
    const same = this.pool.find((p) => p.key === key);
    if (same) return same;
    let entry = this.pool.find((p) => p.inFlight === 0);
    if (!entry) {
      const tokenizer = Tokenizer.fromString(this.json!);
      for (const change of this.changes) change(tokenizer);
      entry = { tokenizer, key: '', inFlight: 0 };
      this.pool.push(entry);
    }
    const t = entry.tokenizer;
    if (s.truncation) t.setTruncation(s.truncation.maxLength, { strategy: STRATEGY[s.truncation.strategy] as never, direction: s.truncation.direction });
    else t.disableTruncation();
    if (s.padding) {
      const p = s.padding;
      t.setPadding({
        ...(p.length === null ? {} : { maxLength: p.length }), ...(p.multiple === undefined ? {} : { padToMultipleOf: p.multiple }),
        direction: p.direction, padId: p.padId, padTypeId: p.padTypeId, padToken: p.padToken,
      });
    } else {
      t.disablePadding();
    }
    entry.key = key;
    return entry;
  }
}
