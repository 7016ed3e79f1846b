// examples/pii/data.ts — a synthetic PII-masking data set in ai4privacy's shape (source_text,
// target_text, privacy_mask), built from real English sentences: Multi30K image captions
// (shared/data/multi30k_en_de/train.en.gz) with fake personal data (examples/pii/generators.ts)
// put in two ways — by substitution (a caption's subject "A young woman" becomes a name) and
// through template slots around the caption ("{S}. Questions? Email {EMAIL} or call {PHONENUMBER}.").
// The target has each PII span replaced by its ai4privacy label, "[FIRSTNAME] [LASTNAME]".
// Deterministic from a seed; see docs/pii-dataset.md. The rows are generated, not shipped:
// ai4privacy's own rows are not available offline.
//
// Why captions: they are plain sentences without personal names (the filter below drops every
// caption with a capital letter after its first character), so every name in a row is one this
// generator put there and labelled. IMDB reviews, SAMSum dialogues and C4 text name real people
// ("Tom Cruise", "Betty's number") that would stay unmasked in the target.
import { gunzipSync } from 'node:zlib';
import { readFileSync } from 'node:fs';
import { Rng, permutation } from '../../src/data/index.js';
import * as g from './generators.js';

/** The ai4privacy labels this builder produces (ai4privacy's spelling). */
export const PII_LABELS = ['FIRSTNAME', 'LASTNAME', 'EMAIL', 'PHONENUMBER', 'BUILDINGNUMBER', 'STREET', 'CITY', 'ZIPCODE', 'DATE', 'SSN', 'IBAN', 'CREDITCARDNUMBER'] as const;
export type PiiLabel = (typeof PII_LABELS)[number];

/** One masked span, as ai4privacy's `privacy_mask` entries: source_text.slice(start, end) === value. */
export interface PiiSpan { label: PiiLabel; start: number; end: number; value: string }
export interface PiiRow {
  source_text: string;
  target_text: string;
  privacy_mask: PiiSpan[];
  /** the template's index in TEMPLATES (-1: the caption alone) and whether the caption's subject became a name */
  template: number;
  substituted: boolean;
  /** the Multi30K caption the row was built on (before substitution) */
  caption: string;
}

/**
 * The templates: `{S}` is the caption (capitalised, no final period), `{s}` the caption with a
 * lower-case first letter; every other `{LABEL}` is a PII slot. In one row all FIRSTNAME /
 * LASTNAME slots name the same person, and half the e-mail addresses are built from that name.
 */
export const TEMPLATES = [
  '{S}. Photo sent by {FIRSTNAME} {LASTNAME} ({EMAIL}).',
  'Hi {FIRSTNAME}, {s}. Call me back at {PHONENUMBER}.',
  '{S}. Taken on {DATE} outside {BUILDINGNUMBER} {STREET}, {CITY}.',
  'Caption by {EMAIL}: {s}.',
  '{S}. Refund to IBAN {IBAN}, account holder {FIRSTNAME} {LASTNAME}.',
  '{S}. The print was paid with card {CREDITCARDNUMBER} on {DATE}.',
  'Photographer {FIRSTNAME} {LASTNAME} (SSN {SSN}) writes: {s}.',
  'Ship the framed print of "{s}" to {FIRSTNAME} {LASTNAME}, {BUILDINGNUMBER} {STREET}, {CITY} {ZIPCODE}.',
  '{FIRSTNAME} wrote on {DATE}: {s}.',
  '{S}. Questions? Email {EMAIL} or call {PHONENUMBER}.',
  'Dear {FIRSTNAME}, your photo "{s}" won. The prize goes to IBAN {IBAN}.',
  '{S}. Contact: {FIRSTNAME} {LASTNAME}, {PHONENUMBER}, {EMAIL}.',
  'On {DATE} {FIRSTNAME} {LASTNAME} reported: {s}.',
  '{S}. Card {CREDITCARDNUMBER}, billing address {BUILDINGNUMBER} {STREET}, {ZIPCODE} {CITY}.',
  '{S}. Applicant born {DATE}, SSN {SSN}.',
  'Text {PHONENUMBER} if you see this: {s}.',
  '{S}. {FIRSTNAME} lives at {BUILDINGNUMBER} {STREET} in {CITY}.',
  'Payment from {FIRSTNAME} {LASTNAME}, IBAN {IBAN}, for the photo "{s}".',
] as const;

/** "A young woman" / "The man" / "An older gentleman" at the start of a caption: the subject that may become a name. */
const SUBJECT = /^(?:A|An|The) (?:(?:young|little|old|older|elderly|middle-aged|smiling|tall|blond|blonde|bearded|happy) )?(?:man|woman|boy|girl|lady|guy|gentleman|person|child|kid|teenager)\b/;

export interface PiiBuildOptions {
  /** fraction of rows that are a caption alone, no PII (target = source): they teach copying (default 0.1) */
  noPiiFraction?: number;
  /** chance that a caption starting with a person ("A man ...") has that subject replaced by a name (default 0.4) */
  substituteFraction?: number;
}

/**
 * Multi30K's English captions usable as PII-free sentences: ASCII letters, digits and simple
 * punctuation only, 4-18 words, no capital letter after the first character (no proper nouns),
 * trailing period and spaces removed, duplicates dropped (first occurrence kept, file order).
 */
export function loadCaptions(gzPath: string): string[] {
  const seen = new Set<string>();
  for (const line of gunzipSync(readFileSync(gzPath)).toString('utf8').split('\n')) {
    const c = line.trim().replace(/\s+/g, ' ').replace(/[ .]+$/, '');
    const words = c.split(' ').length;
    if (words < 4 || words > 18 || !/^[A-Z][a-z0-9 ,'-]*$/.test(c)) continue;
    seen.add(c);
  }
  return [...seen];
}

type Piece = string | { label: PiiLabel; value: string };

/** The caption as pieces; with `substitute`, its person subject replaced by "First" or "First Last". */
function captionPieces(rng: Rng, caption: string, substitute: boolean): Piece[] {
  const m = substitute ? caption.match(SUBJECT) : null;
  if (!m) return [caption];
  const p = g.person(rng); // another person than the template's
  const name: Piece[] = rng.int(2) === 0 ? [{ label: 'FIRSTNAME', value: p.first }] : [{ label: 'FIRSTNAME', value: p.first }, ' ', { label: 'LASTNAME', value: p.last }];
  return [...name, caption.slice(m[0].length)];
}

/** Draws one value per slot; the row's person fills the name slots (and half the time the e-mail). */
function slotValue(rng: Rng, label: PiiLabel, who: g.Person, emailFromName: boolean): string {
  switch (label) {
    case 'FIRSTNAME': return who.first;
    case 'LASTNAME': return who.last;
    case 'EMAIL': return g.email(rng, emailFromName ? who : null);
    case 'PHONENUMBER': return g.phone(rng);
    case 'BUILDINGNUMBER': return g.buildingNumber(rng);
    case 'STREET': return g.street(rng);
    case 'CITY': return g.city(rng);
    case 'ZIPCODE': return g.zipcode(rng);
    case 'DATE': return g.date(rng);
    case 'SSN': return g.ssn(rng);
    case 'IBAN': return g.iban(rng);
    case 'CREDITCARDNUMBER': return g.creditCardNumber(rng);
  }
}

/** Joins pieces into ai4privacy's three fields. */
export function assemble(pieces: readonly Piece[]): Pick<PiiRow, 'source_text' | 'target_text' | 'privacy_mask'> {
  let source = '', target = '';
  const spans: PiiSpan[] = [];
  for (const p of pieces) {
    if (typeof p === 'string') { source += p; target += p; continue; }
    spans.push({ label: p.label, start: source.length, end: source.length + p.value.length, value: p.value });
    source += p.value;
    target += `[${p.label}]`;
  }
  return { source_text: source, target_text: target, privacy_mask: spans };
}

/** The target rebuilt from a source and its spans (each span replaced by `[LABEL]`): what every row's target must equal. */
export function maskSpans(source: string, spans: readonly PiiSpan[]): string {
  let out = '', at = 0;
  for (const s of [...spans].sort((a, b) => a.start - b.start)) {
    if (s.start < at) throw new RangeError(`overlapping spans at ${s.start}`);
    out += source.slice(at, s.start) + `[${s.label}]`;
    at = s.end;
  }
  return out + source.slice(at);
}

/** One row from one caption; retried with fresh values while a PII value also occurs in the unmasked text. */
function buildRow(rng: Rng, caption: string, opts: Required<PiiBuildOptions>): PiiRow {
  for (let attempt = 0; attempt < 50; attempt++) {
    const noPii = rng.float() < opts.noPiiFraction;
    const substituted = !noPii && SUBJECT.test(caption) && rng.float() < opts.substituteFraction;
    const cap = captionPieces(rng, caption, substituted);
    const template = noPii ? -1 : rng.int(TEMPLATES.length);
    const who = g.person(rng), emailFromName = rng.int(2) === 0;
    const pieces: Piece[] = [];
    for (const part of (template < 0 ? '{S}.' : TEMPLATES[template]!).split(/(\{\w+\})/)) {
      if (part === '') continue;
      const slot = part.match(/^\{(\w+)\}$/)?.[1];
      if (slot === 'S' || slot === 's') {
        const first = cap[0]!;
        // lower-case "A man" -> "a man" mid-sentence; a name keeps its capital
        pieces.push(slot === 's' && typeof first === 'string' ? first[0]!.toLowerCase() + first.slice(1) : first, ...cap.slice(1));
      } else if (slot) pieces.push({ label: slot as PiiLabel, value: slotValue(rng, slot as PiiLabel, who, emailFromName) });
      else pieces.push(part);
    }
    const row = assemble(pieces);
    // a value that also occurs in the unmasked text (a building number "4" in "4 dogs") would leak into the target
    if (row.privacy_mask.every((s) => !row.target_text.includes(s.value))) return { ...row, template, substituted, caption };
  }
  throw new Error(`pii: could not place PII around caption ${JSON.stringify(caption)} without a value repeating its text`);
}

/**
 * `n` rows, one per caption, the captions taken in a seeded shuffled order (n <= captions.length).
 * The same captions, n, seed and options always give the same rows.
 */
export function buildPiiRows(captions: readonly string[], n: number, seed: number, options: PiiBuildOptions = {}): PiiRow[] {
  const opts = { noPiiFraction: options.noPiiFraction ?? 0.1, substituteFraction: options.substituteFraction ?? 0.4 };
  for (const [k, v] of Object.entries(opts)) if (!(v >= 0 && v <= 1)) throw new RangeError(`pii: ${k} must be in [0, 1], got ${v}`);
  if (!Number.isInteger(n) || n < 0 || n > captions.length) throw new RangeError(`pii: n must be an integer in [0, ${captions.length}] (one caption a row), got ${n}`);
  const order = permutation(captions.length, seed);
  const rng = new Rng(seed);
  return Array.from({ length: n }, (_, i) => buildRow(rng, captions[order[i]!]!, opts));
}

/**
 * A train and a test split on disjoint captions: the captions are shuffled once by `seed`, the
 * test rows use the last `test` of them, the train rows the first `train`. (The fake names,
 * streets and cities come from the same lists in both splits; the numbers are fresh draws.)
 */
export function buildPiiSplits(captions: readonly string[], sizes: { train: number; test: number }, seed: number, options: PiiBuildOptions = {}): { train: PiiRow[]; test: PiiRow[] } {
  if (sizes.train + sizes.test > captions.length) throw new RangeError(`pii: train ${sizes.train} + test ${sizes.test} rows exceed the ${captions.length} captions`);
  const order = permutation(captions.length, seed);
  const pool = (from: number, to: number) => Array.from(order.subarray(from, to), (i) => captions[i]!);
  return {
    train: buildPiiRows(pool(0, sizes.train), sizes.train, seed + 1, options),
    test: buildPiiRows(pool(captions.length - sizes.test, captions.length), sizes.test, seed + 2, options),
  };
}
