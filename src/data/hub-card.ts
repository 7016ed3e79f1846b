// src/data/hub-card.ts — a Hub dataset's README.md metadata (the YAML block between `---` lines):
// `configs` (datasets/utils/metadata.py MetadataConfigs: config_name, data_files, data_dir,
// default) and `dataset_info` (info.py DatasetInfosDict: features in HF's YAML list form,
// splits, sizes), read and written the way HF reads and writes them, so that a repo pushed by
// either side loads in the other.  Features in YAML: features.py Features._to_yaml_list /
// _from_yaml_list (`dtype: string`, `class_label: {names: {'0': neg}}`, `list: int32`, `struct`).
import { parse as parseYaml, stringify as stringifyYaml } from 'yaml';
import { ClassLabel, type FeatureType, type Features, featuresFromJSON, featureToJSON, isFeatureDict } from './features.js';
import { isSplitName, splitNameMessage } from './files.js';

/** huggingface_hub repocard.REGEX_YAML_BLOCK: the metadata block at the top of a card. */
const YAML_BLOCK = /^(\s*---(?:\r\n|\r|\n))([\S\s]*?)((?:\r\n|\r|\n)---[ \t]*(?:\r\n|\n|$))/;

/** A card split into its metadata and the Markdown after it. */
export interface DatasetCard {
  data: Record<string, unknown>;
  body: string;
}

/** Parses README.md text; `file` names it in errors. */
export function parseCard(text: string, file = 'README.md'): DatasetCard {
  const m = YAML_BLOCK.exec(text);
  if (!m) return { data: {}, body: text };
  let data: unknown;
  try {
    data = parseYaml(m[2]!) ?? {};
  } catch (e) {
    throw new Error(`${file}: the YAML metadata block does not parse (${(e as Error).message})`);
  }
  if (typeof data !== 'object' || Array.isArray(data)) throw new Error(`${file}: the YAML metadata block is not a mapping`);
  return { data: data as Record<string, unknown>, body: text.slice(m[0].length) };
}

/** The card text: HF's `---\n<yaml>\n---\n` then the body (PyYAML's style: sequences not indented, quoted keys '0'). */
export function renderCard(card: DatasetCard): string {
  const yaml = stringifyYaml(card.data, { indentSeq: false, singleQuote: true, lineWidth: 0 }).trimEnd();
  return `---\n${yaml}\n---\n${card.body}`;
}

/** One `data_files` spec: split -> patterns (a bare pattern or list means the 'train' split, as sanitize_patterns). */
export type SplitPatterns = Map<string, string[]>;

/** One entry of `configs:`. */
export interface MetadataConfig {
  name: string;
  dataFiles?: SplitPatterns;
  dataDir?: string;
  default: boolean;
  /** The builder parameters besides the above (sep, field, features...), as written. */
  params: Record<string, unknown>;
}

/** data_files as YAML gives it (a string, a list of strings, or a list of {split, path}) -> split -> patterns. */
export function sanitizeDataFiles(v: unknown, where: string): SplitPatterns {
  const bad = (): Error => new Error(`${where}: data_files must be a pattern, a list of patterns, or a list of {split, path} entries; got ${JSON.stringify(v)}`);
  if (typeof v === 'string') return new Map([['train', [v]]]);
  if (!Array.isArray(v)) throw bad();
  if (v.every((x) => typeof x === 'string')) return new Map([['train', v as string[]]]);
  const out: SplitPatterns = new Map();
  for (const item of v) {
    if (typeof item !== 'object' || item === null || Array.isArray(item)) throw bad();
    const { split, path } = item as { split?: unknown; path?: unknown };
    if (!isSplitName(split)) throw new Error(`${where}: ${splitNameMessage(split)}`);
    const paths = typeof path === 'string' ? [path] : Array.isArray(path) && path.every((p) => typeof p === 'string') ? (path as string[]) : null;
    if (!paths) throw bad();
    out.set(split, [...(out.get(split) ?? []), ...paths]);
  }
  return out;
}

/** The `configs:` of a card, in order (MetadataConfigs.from_dataset_card_data). */
export function metadataConfigs(data: Record<string, unknown>, file = 'README.md'): MetadataConfig[] {
  const raw = data.configs;
  if (raw === undefined || raw === null) return [];
  if (!Array.isArray(raw)) throw new Error(`${file}: expected configs to be a list, but got ${JSON.stringify(raw)}`);
  return raw.map((c, i) => {
    if (typeof c !== 'object' || c === null || typeof (c as { config_name?: unknown }).config_name !== 'string')
      throw new Error(`${file}: configs[${i}] must include a config_name field with a string name, got ${JSON.stringify(c)}`);
    const { config_name: name, data_files: df, data_dir: dd, default: def, ...params } = c as Record<string, unknown>;
    const where = `${file}: config '${name as string}'`;
    if (dd !== undefined && typeof dd !== 'string') throw new Error(`${where}: data_dir must be a string`);
    return { name: name as string, dataFiles: df === undefined ? undefined : sanitizeDataFiles(df, where), dataDir: dd as string | undefined, default: def === true, params };
  });
}

/**
 * MetadataConfigs.get_default_config_name: the only config, or the one named 'default', or the
 * one marked `default: true`; null when none; an error when several claim it.
 */
export function defaultConfigName(configs: readonly MetadataConfig[]): string | null {
  let found: string | null = null;
  for (const c of configs) {
    if (configs.length === 1 || c.name === 'default' || c.default) {
      if (found !== null) throw new Error(`Dataset has several default configs: '${found}' and '${c.name}'.`);
      found = c.name;
    }
  }
  return found;
}

/** A split's size as dataset_info lists it. */
export interface SplitInfo {
  name: string;
  num_bytes: number;
  num_examples: number;
}

/** One config's dataset_info. */
export interface DatasetInfo {
  config_name: string;
  features?: Features;
  splits?: SplitInfo[];
  download_size?: number;
  dataset_size?: number;
}

/** `dataset_info` of a card by config (a mapping for one config, a list for several). */
export function datasetInfos(data: Record<string, unknown>, file = 'README.md'): Map<string, DatasetInfo> {
  const raw = data.dataset_info;
  const items = Array.isArray(raw) ? raw : raw && typeof raw === 'object' ? [raw] : [];
  const out = new Map<string, DatasetInfo>();
  for (const it of items as Record<string, unknown>[]) {
    const name = typeof it.config_name === 'string' ? it.config_name : 'default';
    const info: DatasetInfo = { config_name: name };
    if (Array.isArray(it.features)) info.features = featuresFromYaml(it.features, `${file}: dataset_info of config '${name}'`);
    if (Array.isArray(it.splits)) info.splits = it.splits as SplitInfo[];
    if (typeof it.download_size === 'number') info.download_size = it.download_size;
    if (typeof it.dataset_size === 'number') info.dataset_size = it.dataset_size;
    out.set(name, info);
  }
  return out;
}

type Obj = Record<string, unknown>;
const isObj = (v: unknown): v is Obj => typeof v === 'object' && v !== null && !Array.isArray(v);

/** Features._from_yaml_list: YAML list form -> HF feature JSON -> Features. */
export function featuresFromYaml(list: unknown[], where = 'features'): Features {
  const listKinds = ['large_list', 'list', 'sequence'];
  const unsimplify = (o: Obj): Obj => {
    for (const k of listKinds) if (typeof o[k] === 'string') o[k] = { dtype: o[k] };
    const cl = o.class_label;
    if (isObj(cl) && isObj(cl.names)) {
      const ids = Object.keys(cl.names).sort((a, b) => Number(a) - Number(b));
      if (ids.some((id, i) => Number(id) !== i)) throw new Error(`${where}: ClassLabel expected a value for all label ids [0:${ids.length}] but some ids are missing.`);
      cl.names = ids.map((id) => (cl.names as Obj)[id]);
    }
    return o;
  };
  const inner = (v: unknown): unknown => {
    if (Array.isArray(v)) {
      return Object.fromEntries(v.map((f) => {
        if (!isObj(f) || typeof f.name !== 'string') throw new Error(`${where}: each feature needs a name, got ${JSON.stringify(f)}`);
        const { name, ...rest } = f;
        return [name, inner(rest)];
      }));
    }
    if (!isObj(v)) throw new Error(`${where}: expected a feature mapping or list, got ${JSON.stringify(v)}`);
    const o = unsimplify({ ...v });
    const kind = Object.keys(o)[0];
    if (kind === undefined) return {};
    if (kind === 'large_list' || kind === 'list' || kind === 'sequence') {
      const { [kind]: sub, ...rest } = o;
      const feat = inner(sub);
      // `sequence` of a struct is a struct of lists (the TFDS rule, as HF reads old cards)
      if (kind === 'sequence' && Array.isArray(sub)) return Object.fromEntries(Object.entries(feat as Obj).map(([k, f]) => [k, { feature: f, ...rest, _type: 'List' }]));
      return { feature: feat, ...rest, _type: kind === 'large_list' ? 'LargeList' : 'List' };
    }
    if (kind === 'struct') return inner(o.struct);
    if (kind === 'dtype') return typeof o.dtype === 'string' ? { ...o, _type: 'Value' } : inner(o.dtype);
    // class_label and other named types: {class_label: {names: [...]}} -> {_type: 'ClassLabel', names}
    const camel = kind.replace(/(^|_)([a-z])/g, (_m, _u, c: string) => c.toUpperCase());
    return { _type: camel, ...(isObj(o[kind]) ? (o[kind] as Obj) : {}) };
  };
  try {
    return featuresFromJSON(inner(structuredClone(list))); // a copy: unsimplify rewrites in place, as HF's works on a deepcopy
  } catch (e) {
    throw new Error(`${where}: ${(e as Error).message}`);
  }
}

/** Features._to_yaml_list: Features -> the YAML list form that dataset_info carries. */
export function featuresToYaml(features: Features): Obj[] {
  const simplify = (o: Obj): Obj => {
    for (const k of ['large_list', 'list']) {
      const sub = o[k];
      if (isObj(sub) && Object.keys(sub).length === 1 && 'dtype' in sub) o[k] = sub.dtype;
      else if (isObj(sub) && Object.keys(sub).length === 1 && Array.isArray(sub.struct)) o[k] = sub.struct;
    }
    return o;
  };
  const inner = (f: FeatureType): Obj => {
    if (isFeatureDict(f)) return { struct: Object.entries(f).map(([name, sub]) => ({ name, ...inner(sub) })) };
    if (f instanceof ClassLabel) return { dtype: { class_label: { names: Object.fromEntries(f.names.map((n, i) => [String(i), n])) } } };
    const json = featureToJSON(f) as Obj;
    if (json._type === 'Value') return { dtype: json.dtype };
    const { feature: _f, _type: _t, ...rest } = json; // List: {feature, length?}
    return simplify({ list: inner((f as { feature: FeatureType }).feature), ...rest });
  };
  return inner(features).struct as Obj[];
}

/**
 * Updates a card's metadata for a push of `config` (arrow_dataset._get_updated_dataset_card):
 * its dataset_info entry (features, splits, sizes; a mapping when it is the only config, else a
 * sorted list) and its `configs` entry (`{data_dir}/{split}-*` per split; other configs kept,
 * sorted by name).  `keepOtherSplits` is Dataset.push_to_hub (one split); DatasetDict replaces all.
 */
export function updateCardForPush(data: Obj, o: {
  config: string; dataDir: string; features: Features; splits: SplitInfo[]; uploadedBytes: number; keepOtherSplits: boolean; setDefault?: boolean;
}): void {
  const prev = datasetInfos(data).get(o.config);
  const configs = metadataConfigs(data);
  let splits = o.splits;
  let downloadSize = o.uploadedBytes;
  if (o.keepOtherSplits && prev?.splits) {
    const others = prev.splits.filter((s) => !o.splits.some((n) => n.name === s.name));
    if (others.length && prev.features && JSON.stringify(featuresToYaml(prev.features)) !== JSON.stringify(featuresToYaml(o.features)))
      throw new Error(`Features of the new split don't match the features of the existing splits on the hub: ${JSON.stringify(featuresToYaml(o.features))} != ${JSON.stringify(featuresToYaml(prev.features))}`);
    splits = [...others, ...o.splits];
    // HF subtracts the replaced files' sizes; the card only knows sizes per config, so the
    // replaced split's share of the old download size (by its num_bytes) is taken out
    const replaced = prev.splits.filter((s) => o.splits.some((n) => n.name === s.name)).reduce((a, s) => a + s.num_bytes, 0);
    const share = prev.dataset_size ? replaced / prev.dataset_size : 0;
    downloadSize += Math.round((prev.download_size ?? 0) * (1 - share));
  }
  const mine: Obj = { features: featuresToYaml(o.features), splits, download_size: downloadSize, dataset_size: splits.reduce((a, s) => a + s.num_bytes, 0) };
  const rawInfos = Array.isArray(data.dataset_info) ? (data.dataset_info as Obj[]) : isObj(data.dataset_info) ? [data.dataset_info] : [];
  const byName = new Map<string, Obj>(rawInfos.map((r) => {
    const { config_name: n, ...rest } = r;
    return [typeof n === 'string' ? n : 'default', rest];
  }));
  byName.set(o.config, mine);
  if (byName.size === 1) data.dataset_info = o.config === 'default' ? mine : { config_name: o.config, ...mine };
  else data.dataset_info = [...byName.keys()].sort().map((n) => ({ config_name: n, ...byName.get(n)! }));
  const prevCfg = configs.find((c) => c.name === o.config);
  const files = new Map<string, string[]>(o.keepOtherSplits && prevCfg?.dataFiles ? prevCfg.dataFiles : []);
  for (const s of o.splits) files.set(s.name, [`${o.dataDir}/${s.name}-*`]);
  const entry: Obj = { config_name: o.config, data_files: [...files].map(([split, p]) => ({ split, path: p.length === 1 ? p[0] : p })) };
  if (o.setDefault || prevCfg?.default) entry.default = true;
  const rawConfigs = (Array.isArray(data.configs) ? (data.configs as Obj[]) : []).filter((c) => c.config_name !== o.config);
  if (o.setDefault) for (const c of rawConfigs) delete c.default;
  data.configs = [...rawConfigs, entry].sort((a, b) => (String(a.config_name) < String(b.config_name) ? -1 : 1));
}
