// src/data/files.ts — which files make which split: dataFiles (a path, a list, or split -> paths,
// with * / ** / ? globs) or a folder whose file names say the split. Mirrors
// datasets/data_files.py (DataFilesDict, the split keywords of DEFAULT_PATTERNS_SPLIT_IN_FILENAME).
import { readdir, readFile, stat } from 'node:fs/promises';
import { basename, isAbsolute, join, relative, resolve, sep } from 'node:path';
import { gunzipSync } from 'node:zlib';

/**
 * HF's split-name rule (datasets.splits: "Split name should match '^\\w+(\\.\\w+)*$'"), with
 * Python's Unicode `\w` (letters, digits, underscore).  A name that passes has no path
 * separator, no NUL, and no `.` / `..` component, so it is safe as a folder name: dataFiles
 * splits, DatasetDict.saveToDisk folders and dataset_dict.json entries all use it.
 */
export const SPLIT_NAME_RE = /^[\p{L}\p{N}_]+(?:\.[\p{L}\p{N}_]+)*$/u;

/** Whether `name` is a valid split name (SPLIT_NAME_RE). */
export function isSplitName(name: unknown): name is string {
  return typeof name === 'string' && SPLIT_NAME_RE.test(name);
}

/** HF's message for a bad split name. */
export function splitNameMessage(name: unknown): string {
  return `Split name should match '^\\w+(\\.\\w+)*$' but got ${typeof name === 'string' ? `'${name}'` : JSON.stringify(name) ?? String(name)}.`;
}

/** One path, several, or split name -> path(s). Relative paths resolve against dataDir, else the cwd. */
export type DataFiles = string | readonly string[] | Readonly<Record<string, string | readonly string[]>>;

// HF's keywords: a file is in a split when its name has the keyword as a separate word.
const SPLIT_KEYWORDS: [string, string[]][] = [
  ['train', ['train', 'training']],
  ['validation', ['validation', 'valid', 'dev', 'val']],
  ['test', ['test', 'testing', 'eval', 'evaluation']],
];

function globToRegExp(pattern: string): RegExp {
  let re = '';
  for (let i = 0; i < pattern.length; i++) {
    const c = pattern[i]!;
    if (c === '*' && pattern[i + 1] === '*') {
      re += pattern[i + 2] === '/' ? '(?:.*/)?' : '.*';
      i += pattern[i + 2] === '/' ? 2 : 1;
    } else if (c === '*') re += '[^/]*';
    else if (c === '?') re += '[^/]';
    else re += c.replace(/[.+^${}()|[\]\\]/g, '\\$&');
  }
  return new RegExp(`^${re}$`);
}

async function walk(dir: string): Promise<string[]> {
  const out: string[] = [];
  for (const e of await readdir(dir, { withFileTypes: true })) {
    if (e.name.startsWith('.') || e.name.startsWith('_')) continue; // HF skips hidden and _-prefixed files
    const p = join(dir, e.name);
    if (e.isDirectory()) out.push(...(await walk(p)));
    else out.push(p);
  }
  return out;
}

/** Expands one path or glob to existing files (sorted); throws "Unable to find" like HF. */
export async function resolvePattern(pattern: string, base: string): Promise<string[]> {
  const abs = isAbsolute(pattern) ? pattern : resolve(base, pattern);
  if (!/[*?]/.test(pattern)) {
    try {
      const s = await stat(abs);
      if (s.isDirectory()) return (await walk(abs)).sort();
      return [abs];
    } catch {
      throw new Error(`Unable to find '${abs}'${pattern !== abs ? ` (data file '${pattern}' relative to ${base})` : ''}`);
    }
  }
  const parts = abs.split(sep);
  const firstGlob = parts.findIndex((p) => /[*?]/.test(p));
  const root = parts.slice(0, firstGlob).join(sep) || sep;
  const re = globToRegExp(parts.slice(firstGlob).join('/'));
  let files: string[] = [];
  try {
    files = (await walk(root)).filter((f) => re.test(relative(root, f).split(sep).join('/')));
  } catch {
    // a missing root matches nothing
  }
  if (files.length === 0) throw new Error(`Unable to find any data file matching '${pattern}' (in ${root})`);
  return files.sort();
}

/** Split -> absolute file list. */
export async function resolveDataFiles(dataFiles: DataFiles, base: string): Promise<Map<string, string[]>> {
  const spec: Record<string, readonly string[]> =
    typeof dataFiles === 'string' ? { train: [dataFiles] }
      : Array.isArray(dataFiles) ? { train: dataFiles as readonly string[] }
        : Object.fromEntries(Object.entries(dataFiles as Record<string, string | readonly string[]>).map(([k, v]) => [k, typeof v === 'string' ? [v] : v]));
  const out = new Map<string, string[]>();
  for (const [split, patterns] of Object.entries(spec)) {
    if (!isSplitName(split)) throw new Error(splitNameMessage(split));
    if (patterns.length === 0) throw new Error(`dataFiles: split '${split}' has no files`);
    const files: string[] = [];
    for (const p of patterns) files.push(...(await resolvePattern(p, base)));
    out.set(split, files);
  }
  return out;
}

/** The split a file name belongs to by HF's keywords, or undefined. */
export function splitOfFileName(file: string): string | undefined {
  const words = basename(file).toLowerCase().split(/[-._ 0-9]+/).filter(Boolean);
  for (const [split, keys] of SPLIT_KEYWORDS) if (keys.some((k) => words.includes(k))) return split;
  return undefined;
}

/** Files of a folder grouped by split keyword (all in 'train' when no name has one). */
export async function inferDataFiles(dataDir: string, extensions: readonly string[]): Promise<Map<string, string[]>> {
  let files: string[];
  try {
    files = (await walk(dataDir)).sort();
  } catch {
    throw new Error(`Unable to find data folder '${dataDir}'`);
  }
  files = files.filter((f) => extensions.some((e) => f.toLowerCase().endsWith(e)));
  if (files.length === 0) throw new Error(`No data files with extension ${extensions.join(', ')} in '${dataDir}'`);
  const bySplit = new Map<string, string[]>();
  for (const f of files) {
    const s = splitOfFileName(f);
    if (s) bySplit.set(s, [...(bySplit.get(s) ?? []), f]);
  }
  if (bySplit.size === 0) return new Map([['train', files]]);
  return new Map(SPLIT_KEYWORDS.map(([s]) => s).filter((s) => bySplit.has(s)).map((s) => [s, bySplit.get(s)!]));
}

/** File bytes, gunzipped when the name ends in .gz. */
export async function readDataFile(path: string): Promise<Buffer> {
  let bytes: Buffer;
  try {
    bytes = await readFile(path);
  } catch (e) {
    throw new Error(`Unable to read data file '${path}': ${(e as Error).message}`);
  }
  if (path.endsWith('.gz')) {
    try {
      return gunzipSync(bytes);
    } catch (e) {
      throw new Error(`${path}: not valid gzip (${(e as Error).message})`);
    }
  }
  return bytes;
}
