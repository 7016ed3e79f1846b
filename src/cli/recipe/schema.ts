// schema.ts — typed sections of a recipe: each key has a kind (the FieldKind strings of
// TrainingArguments' field table, src/trainer/args-fields.ts, or a check function), a default and a
// line of help; unknown keys are errors with the closest known name, wrong types are errors naming
// the key and its line.  Sections owned by a library class (training_args, lora) are checked by
// that class (its field table, its constructor's messages), see sections.ts.
import { checkKind, type FieldKind } from '../../trainer/args-fields.js';
import { closestName } from '../../utils/options.js';
import type { RecipePath, RecipeSource } from './source.js';

/** A check returning what is wrong with a value (`must be ...`), or null when it is fine. */
export type Check = (v: unknown) => string | null;

/** One key of a section. */
export interface FieldSpec {
  kind: FieldKind | Check;
  /** The value when the key is absent (undefined: absent stays absent). */
  default?: unknown;
  required?: boolean;
  /** One line for docs/cli.md and error messages. */
  help: string;
}

export type SectionSpec = Readonly<Record<string, FieldSpec>>;

/** `true` when `v` is a plain mapping (a YAML map). */
export const isMapping = (v: unknown): v is Record<string, unknown> => v !== null && typeof v === 'object' && !Array.isArray(v);

/** The message for an unknown key: the closest known name, else the list. */
export function unknownKeyMessage(key: string, known: readonly string[]): string {
  const near = closestName(key, known);
  return near !== null ? `unknown key '${key}' — did you mean '${near}'?` : `unknown key '${key}' (known: ${known.join(', ')})`;
}

/** Every key of `value` must be in `known`; the first that is not is an error at its line. */
export function checkKeys(src: RecipeSource, path: RecipePath, value: Record<string, unknown>, known: readonly string[]): void {
  for (const k of Object.keys(value)) if (!known.includes(k)) throw src.error([...path, k], unknownKeyMessage(k, known));
}

/** What is wrong with `v` as `kind`, or null. */
export function kindProblem(kind: FieldKind | Check, v: unknown): string | null {
  if (typeof kind === 'function') return kind(v);
  try {
    checkKind('x', kind, v, '');
    return null;
  } catch (e) {
    // checkKind's message is ": x must be ..., got ..."
    return (e as Error).message.replace(/^: x /, '');
  }
}

/**
 * A mapping section checked against `spec`: not a mapping, an unknown key, a missing required key or
 * a value of the wrong kind is a RecipeError at that key's line.  Returns the values with defaults.
 */
export function readSection(src: RecipeSource, path: RecipePath, value: unknown, spec: SectionSpec): Record<string, unknown> {
  if (value === undefined || value === null) value = {};
  if (!isMapping(value)) throw src.error(path, `must be a mapping (key: value lines), got ${describe(value)}`);
  checkKeys(src, path, value, Object.keys(spec));
  const out: Record<string, unknown> = {};
  for (const [k, f] of Object.entries(spec)) {
    const v = value[k];
    if (v === undefined) {
      if (f.required) throw src.error([...path, k], `is required (${f.help})`);
      if (f.default !== undefined) out[k] = structuredClone(f.default);
      continue;
    }
    const problem = kindProblem(f.kind, v);
    if (problem !== null) throw src.error([...path, k], problem);
    out[k] = v;
  }
  return out;
}

/** A short description of a value for messages. */
export function describe(v: unknown): string {
  if (Array.isArray(v)) return 'a list';
  if (v === null) return 'null';
  if (typeof v === 'object') return 'a mapping';
  return `${typeof v} ${JSON.stringify(v)}`;
}

// ---- checks used by the sections ----

/** A string, or a list of strings. */
export const strOrList: Check = (v) => (typeof v === 'string' || (Array.isArray(v) && v.every((x) => typeof x === 'string')) ? null : `must be a string or a list of strings, got ${describe(v)}`);

/** datasets' data_files: a path, a list of paths, or split -> path(s). */
export const dataFiles: Check = (v) => {
  if (strOrList(v) === null) return null;
  if (isMapping(v) && Object.values(v).every((x) => strOrList(x) === null)) return null;
  return `must be a path, a list of paths, or a mapping split -> path(s), got ${describe(v)}`;
};

/** A mapping of string -> string (column renames). */
export const strMap: Check = (v) => (isMapping(v) && Object.values(v).every((x) => typeof x === 'string') ? null : `must be a mapping of names to column names, got ${describe(v)}`);

/** A positive integer or null. */
export const positiveIntOrNull: Check = (v) => (v === null || (Number.isInteger(v) && (v as number) > 0) ? null : `must be a positive integer or null, got ${describe(v)}`);

/** A number in (0, 1). */
export const fraction: Check = (v) => (typeof v === 'number' && v > 0 && v < 1 ? null : `must be a number between 0 and 1 (exclusive), got ${describe(v)}`);
