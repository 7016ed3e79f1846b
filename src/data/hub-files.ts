// src/data/hub-files.ts — which files of a Hub dataset repo make which split, from the repo's
// file list alone: data_files patterns (fsspec >= 2023.12 glob over repo paths, hidden and
// `__special__` paths skipped unless asked for, HF's FILES_TO_IGNORE), the default layouts of
// datasets/data_files.py (`data/{split}-00000-of-00001.parquet`, then split keywords in folder
// names, then in file names, then everything as 'train'), the builder chosen by the most common
// extension (load.infer_module_for_data_files_list: parquet wins a draw), and the layout of the
// Hub's automatic Parquet conversion, the `refs/convert/parquet` revision:
// `{config}/{split}/0000.parquet` (`partial-{split}` when the conversion stopped early), and the
// older `{config}/{name}-{split}[-00000-of-00002].parquet`.
import { SPLIT_NAME_RE } from './files.js';

/** data_files.FILES_TO_IGNORE: never data, whatever the pattern. */
const FILES_TO_IGNORE = new Set(['README.md', 'config.json', 'dataset_info.json', 'dataset_infos.json', 'dummy_data.zip', 'dataset_dict.json']);

/** A glob over '/'-separated paths: `*` and `?` stay inside a segment, a `**` segment spans any number of them. */
export function globToRegExp(pattern: string): RegExp {
  const parts = pattern.split('/');
  let re = '';
  parts.forEach((part, i) => {
    const last = i === parts.length - 1;
    if (part === '**') {
      re += last ? '.*' : '(?:[^/]*/)*';
      return;
    }
    for (let j = 0; j < part.length; j++) {
      const c = part[j]!;
      if (c === '*') re += '[^/]*';
      else if (c === '?') re += '[^/]';
      else if (c === '[') {
        const end = part.indexOf(']', j + 2);
        if (end < 0) { re += '\\['; continue; }
        let cls = part.slice(j + 1, end).replace(/\\/g, '\\\\');
        if (cls.startsWith('!')) cls = `^${cls.slice(1)}`;
        re += `[${cls}]`;
        j = end;
      } else re += c.replace(/[.+^${}()|\\]/g, '\\$&');
    }
    if (!last) re += '/';
  });
  return new RegExp(`^${re}$`, 's');
}

/**
 * data_files._is_unrequested_hidden_file_or_is_inside_unrequested_hidden_dir and
 * _is_inside_unrequested_special_dir: a path with more `.x` parts (or `__x` folders) than the
 * pattern names is left out.
 */
function unrequested(path: string, pattern: string): boolean {
  const hidden = (p: string): number => p.split('/').filter((s) => s.startsWith('.') && !/^\.+$/.test(s)).length;
  const special = (p: string): number => p.split('/').slice(0, -1).filter((s) => s.startsWith('__')).length;
  return hidden(path) !== hidden(pattern) || special(path) !== special(pattern);
}

/** The repo files (sorted) matching one pattern relative to `base` ('' = the repo root). */
export function matchPattern(files: readonly string[], pattern: string, base = ''): string[] {
  const full = base ? `${base.replace(/\/+$/, '')}/${pattern.replace(/^\/+/, '')}` : pattern.replace(/^\/+/, '');
  const re = globToRegExp(full);
  // a plain folder name means everything below it, as fsspec's glob of a directory
  const dir = /[*?[]/.test(full) ? null : `${full.replace(/\/+$/, '')}/`;
  return files.filter((f) => (re.test(f) || (dir !== null && f.startsWith(dir)))
    && !FILES_TO_IGNORE.has(f.slice(f.lastIndexOf('/') + 1)) && !unrequested(f, full)).sort();
}

/** Split -> files of split -> patterns; a pattern matching no file is an error naming it (HF's "Unable to find"). */
export function resolveSplitPatterns(files: readonly string[], patterns: ReadonlyMap<string, readonly string[]>, base: string, where: string): Map<string, string[]> {
  const out = new Map<string, string[]>();
  for (const [split, pats] of patterns) {
    const got: string[] = [];
    for (const p of pats) {
      const m = matchPattern(files, p, base);
      if (m.length === 0) throw new Error(`${where}: Unable to find '${base ? `${base}/` : ''}${p}' (split '${split}')`);
      for (const f of m) if (!got.includes(f)) got.push(f);
    }
    out.set(split, got);
  }
  return out;
}

const SPLIT_KEYWORDS: [string, string[]][] = [
  ['train', ['train', 'training']],
  ['validation', ['validation', 'valid', 'dev', 'val']],
  ['test', ['test', 'testing', 'eval', 'evaluation']],
];
const SEP = '[-._ 0-9]';

/**
 * data_files.get_data_patterns on a file list: the first layout that matches wins — sharded
 * `data/{split}-NNNNN-of-NNNNN*.*`, split keywords as folder names, split keywords in file
 * names, else all files as 'train'.  `extensions` keeps only files a builder can read.
 */
export function defaultSplitFiles(all: readonly string[], base: string, extensions: readonly string[]): Map<string, string[]> {
  const files = all.filter((f) => extensions.some((e) => f.toLowerCase().endsWith(e)));
  const sharded = new Map<string, string[]>();
  for (const f of matchPattern(files, 'data/*-[0-9][0-9][0-9][0-9][0-9]-of-[0-9][0-9][0-9][0-9][0-9]*.*', base)) {
    const split = /^(.*)-\d{5}-of-\d{5}/.exec(f.slice(f.lastIndexOf('/') + 1))![1]!;
    if (!SPLIT_NAME_RE.test(split)) throw new Error(`Split name should match '^\\w+(\\.\\w+)*$' but got '${split}' (file ${f}).`);
    sharded.set(split, [...(sharded.get(split) ?? []), f]);
  }
  if (sharded.size) {
    const known = SPLIT_KEYWORDS.map(([s]) => s).filter((s) => sharded.has(s));
    const rest = [...sharded.keys()].filter((s) => !known.includes(s)).sort();
    return new Map([...known, ...rest].map((s) => [s, sharded.get(s)!]));
  }
  const byKeyword = (templates: string[]): Map<string, string[]> => {
    const out = new Map<string, string[]>();
    for (const [split, words] of SPLIT_KEYWORDS) {
      for (const w of words) {
        const m = templates.flatMap((t) => matchPattern(files, t.replaceAll('{k}', w), base));
        if (m.length) { out.set(split, [...new Set(m)].sort()); break; }
      }
    }
    return out;
  };
  const inDir = byKeyword(['**/{k}/**', `**/{k}${SEP}*/**`, `**/*${SEP}{k}/**`, `**/*${SEP}{k}${SEP}*/**`]);
  if (inDir.size) return inDir;
  const inName = byKeyword([`**/{k}${SEP}*`, `**/*${SEP}{k}${SEP}*`]);
  if (inName.size) return inName;
  const everything = matchPattern(files, '**', base);
  return everything.length ? new Map([['train', everything]]) : new Map();
}

/** The builder of a file list: the most common extension among `byExt`'s, parquet first on a draw, then arrow, jsonl, json, csv. */
export function inferBuilderName(files: readonly string[], byExt: Readonly<Record<string, string>>): string | null {
  const counts = new Map<string, number>();
  for (const f of files) {
    const name = f.slice(f.lastIndexOf('/') + 1).toLowerCase();
    for (const suffix of name.split('.').slice(1)) {
      const ext = `.${suffix}`;
      if (ext in byExt) counts.set(ext, (counts.get(ext) ?? 0) + 1);
    }
  }
  const favour = ['.parquet', '.arrow', '.jsonl', '.json', '.csv'];
  const rank = (e: string): number => { const i = favour.indexOf(e); return i < 0 ? favour.length : i; };
  const best = [...counts].sort(([a, x], [b, y]) => y - x || rank(a) - rank(b) || (a < b ? -1 : 1))[0];
  return best ? byExt[best[0]]! : null;
}

/** One config of the Parquet conversion: split -> files, in the order the files came. */
export type ExportConfigs = Map<string, Map<string, string[]>>;

/**
 * The configs and splits of a `refs/convert/parquet` file list.  `partial-{split}` folders (the
 * conversion kept only the first ~5 GB) give split `{split}` and are reported in `partial`.
 */
export function parquetExportLayout(files: readonly string[]): { configs: ExportConfigs; partial: string[] } {
  const configs: ExportConfigs = new Map();
  const partial: string[] = [];
  const add = (config: string, split: string, f: string): void => {
    const c = configs.get(config) ?? new Map<string, string[]>();
    configs.set(config, c);
    c.set(split, [...(c.get(split) ?? []), f]);
  };
  for (const f of [...files].sort()) {
    if (!f.endsWith('.parquet')) continue;
    const parts = f.split('/');
    if (parts.length === 3) {
      let split = parts[1]!;
      if (split.startsWith('partial-')) {
        split = split.slice('partial-'.length);
        if (!partial.includes(`${parts[0]}/${split}`)) partial.push(`${parts[0]}/${split}`);
      }
      if (SPLIT_NAME_RE.test(split)) add(parts[0]!, split, f);
    } else if (parts.length === 2) {
      // the layout before 2023: {config}/{dataset}-{split}.parquet or {config}/{dataset}-{split}-00000-of-00002.parquet
      const m = /-([\p{L}\p{N}_.]+?)(?:-\d{5}-of-\d{5})?\.parquet$/u.exec(parts[1]!);
      if (m && SPLIT_NAME_RE.test(m[1]!)) add(parts[0]!, m[1]!, f);
    }
  }
  return { configs, partial };
}
