// `{% generation %}` / `{% endgeneration %}` blocks of chat templates: transformers' AssistantTracker
// extension (utils/chat_template_utils.py) records the [start, end) character span of each block's
// output, and apply_chat_template(return_assistant_tokens_mask=True) turns the spans into a 0/1 mask
// over the tokens (tokenization_utils_base.py). @huggingface/jinja's preprocess() silently drops the
// tags, so before compiling each tag is rewritten into a block that survives it and keeps jinja2's
// whitespace semantics (a generation tag is a block tag: `{%-` / `-%}` strip, trim_blocks and
// lstrip_blocks apply to it); with markers on, the block prints a Unicode noncharacter that is
// stripped after rendering, its position recorded.
import type { BatchEncoding } from './encoding.js';

/** Start / end of a generation block in the rendered text (noncharacters: never in real text). */
const START = '\uFDD0';
const END = '\uFDD1';
const MARKERS = /[\uFDD0\uFDD1]/g;
const HAS_MARKER = /[\uFDD0\uFDD1]/;
const ESCAPED_MARKER = /\\u(?:fdd0|fdd1)/i;

/** TRL's has_generation_markers regex (transformers' render_jinja_template uses the same one). */
const GENERATION_TAG = /\{%-?\s*generation\s*-?%\}/;

/**
 * Whether a chat template has a `{% generation %}` tag (`{%- generation -%}` variants included), as
 * TRL's has_generation_markers and transformers' return_assistant_tokens_mask check do: a plain
 * regex, so a tag inside a comment counts too.
 */
export function hasGenerationMarkers(template: string): boolean {
  return GENERATION_TAG.test(template);
}

// One tag as jinja2 lexes it: `{%`, an optional `-`, the name, an optional `-`, `%}`.
const TAG_AT = /\{%(-?)\s*(generation|endgeneration)\s*(-?)%\}/y;
const RAW_AT = /\{%-?\s*raw\s*-?%\}/y;
const ENDRAW = /\{%-?\s*endraw\s*-?%\}/g;

/** Index just past the `close` of a tag opened at `from`, skipping string literals (jinja2's lexer). */
function skipTag(src: string, from: number, close: string): number {
  let i = from + 2;
  while (i < src.length) {
    const c = src[i]!;
    if (c === '"' || c === "'") {
      i++;
      while (i < src.length && src[i] !== c) i += src[i] === '\\' ? 2 : 1;
      i++;
    } else if (src.startsWith(close, i)) {
      return i + close.length;
    } else i++;
  }
  return src.length;
}

const rewritten = new Map<string, string>();

/**
 * Rewrites every generation tag of `source` outside comments, expressions, other tags and raw
 * blocks: `{%<l> generation <r>%}` becomes `{%<l> if true %}START{% endif <r>%}` (END for
 * endgeneration), keeping the tag's left strip on the first block and its right strip (and
 * trim_blocks' newline) on the second, so whitespace goes exactly where jinja2 puts it; without
 * `markers` the blocks print nothing. Returns `source` itself when it has no tag.
 */
export function rewriteGenerationTags(source: string, markers: boolean): string {
  if (!source.includes('generation')) return source;
  const key = (markers ? '1' : '0') + source;
  const hit = rewritten.get(key);
  if (hit !== undefined) return hit;
  let out = '', last = 0, i = 0;
  while ((i = source.indexOf('{', i)) >= 0) {
    const next = source[i + 1];
    if (next === '#') {
      const end = source.indexOf('#}', i + 2);
      i = end < 0 ? source.length : end + 2;
    } else if (next === '{') {
      i = skipTag(source, i, '}}');
    } else if (next === '%') {
      TAG_AT.lastIndex = i;
      RAW_AT.lastIndex = i;
      const tag = TAG_AT.exec(source);
      if (tag) {
        const [, left, name, right] = tag;
        const mark = markers ? (name === 'generation' ? START : END) : '';
        out += source.slice(last, i) + `{%${left} if true %}${mark}{% endif ${right}%}`;
        i = last = i + tag[0].length;
      } else if (RAW_AT.test(source)) {
        ENDRAW.lastIndex = i;
        const end = ENDRAW.exec(source);
        i = end ? end.index + end[0].length : source.length;
      } else i = skipTag(source, i, '%}');
    } else i++;
  }
  const result = last === 0 ? source : out + source.slice(last);
  if (rewritten.size > 64) rewritten.clear();
  rewritten.set(key, result);
  return result;
}

/** Where a value holds a marker code point (a path such as `messages[2].content`), or null. */
function findMarker(value: unknown, path: string, seen: Set<object>): string | null {
  if (typeof value === 'string') return HAS_MARKER.test(value) ? path : null;
  if (value === null || typeof value !== 'object' || seen.has(value)) return null;
  seen.add(value);
  if (Array.isArray(value)) {
    for (let k = 0; k < value.length; k++) {
      const hit = findMarker(value[k], `${path}[${k}]`, seen);
      if (hit) return hit;
    }
    return null;
  }
  for (const [k, v] of Object.entries(value)) {
    const hit = findMarker(v, `${path}.${k}`, seen) ?? (HAS_MARKER.test(k) ? `${path} (key ${JSON.stringify(k)})` : null);
    if (hit) return hit;
  }
  return null;
}

/**
 * Refuses a template or template variables that already hold the marker code points U+FDD0 /
 * U+FDD1 (Unicode noncharacters, which real text does not contain): their output could not be told
 * apart from a generation block's edges.
 */
export function checkNoMarkers(template: string, variables: Record<string, unknown>): void {
  const why = 'U+FDD0 / U+FDD1, the Unicode noncharacters that return_assistant_tokens_mask uses to find the {% generation %} blocks in the rendered text; remove them to get assistant masks';
  if (HAS_MARKER.test(template) || ESCAPED_MARKER.test(template))
    throw new Error(`applyChatTemplate: the chat template contains ${why}`);
  for (const [key, value] of Object.entries(variables)) {
    const hit = findMarker(value, key, new Set());
    if (hit) throw new Error(`applyChatTemplate: ${hit} contains ${why}`);
  }
}

/**
 * Strips the markers of a render of a rewritten template and returns the text with the spans of
 * the generation blocks as transformers records them: code points (Python string indices), in the
 * order the blocks closed (an inner block before the one around it). HF's tracker measures a
 * block's start as the length of the output the template has yielded so far, and an enclosing
 * generation block buffers its output until it closes, so a nested block's span starts where the
 * outermost open block starts (HF's quirk, kept). Blocks inside other buffered constructs (macros,
 * `{% set %}` / `{% filter %}` / call blocks, recursive loops) get their true position here where
 * HF's would be offset the same way, and a block whose output is never printed leaves no span.
 */
export function extractGenerationSpans(rendered: string): { text: string; spans: Array<[number, number]> } {
  const pieces: string[] = [];
  const spans: Array<[number, number]> = [];
  const open: number[] = [];
  let at = 0, codePoints = 0;
  MARKERS.lastIndex = 0;
  for (let m; (m = MARKERS.exec(rendered)); ) {
    const piece = rendered.slice(at, m.index);
    pieces.push(piece);
    codePoints += countCodePoints(piece);
    at = m.index + 1;
    if (m[0] === START) open.push(codePoints);
    else {
      const start = open.pop();
      if (start === undefined) throw new Error('chat template: an {% endgeneration %} block closed with no open {% generation %} block in the rendered text (a filter reordered or cut the output)');
      const from = open[0] ?? start;
      spans.push([from, from + codePoints - start]);
    }
  }
  if (open.length > 0) throw new Error('chat template: a {% generation %} block was never closed in the rendered text (a filter cut the output)');
  pieces.push(rendered.slice(at));
  return { text: pieces.join(''), spans };
}

/** Code points of a JS string (a surrogate pair is one, as in Python). */
function countCodePoints(s: string): number {
  let n = s.length;
  for (let i = 0; i < s.length - 1; i++) {
    const c = s.charCodeAt(i);
    if (c >= 0xd800 && c <= 0xdbff) {
      const d = s.charCodeAt(i + 1);
      if (d >= 0xdc00 && d <= 0xdfff) {
        n--;
        i++;
      }
    }
  }
  return n;
}

/**
 * transformers' assistant mask of one row: 0 everywhere, then for each span (start, end) the tokens
 * from char_to_token(start) to char_to_token(end - 1) inclusive get 1. HF's quirks kept: a span
 * whose start maps to no token (cut by truncation) stops the loop (`break`); an end token of 0 or
 * none is falsy, so the mask runs to the last token (padding included). char_to_token is the Rust
 * Encoding's own: the first token whose offsets contain the code point, so a span ending inside a
 * character split over several byte-level tokens ends at the first of them.
 * @returns one 0/1 per token of `enc.input_ids` (a flat row).
 */
export function assistantMask(enc: BatchEncoding, length: number, spans: ReadonlyArray<readonly [number, number]>): number[] {
  const mask = new Array<number>(length).fill(0);
  for (const [start, end] of spans) {
    const startToken = enc.charToToken(start);
    // Python raises OverflowError for char_to_token(-1): an empty block at character 0.
    if (end - 1 < 0) throw new Error('return_assistant_tokens_mask: a {% generation %} block renders empty at the very start of the chat, so it has no last character (transformers raises an OverflowError here)');
    const endToken = enc.charToToken(end - 1);
    if (startToken === null) break;
    const stop = endToken ? endToken + 1 : length;
    for (let t = startToken; t < stop; t++) mask[t] = 1;
  }
  return mask;
}
