// src/data/hub-load.ts — loadDataset of a Hub dataset repo ('org/name', or a legacy bare name
// such as 'glue'), as datasets/load.py's HubDatasetModuleFactory resolves it: the repo's file
// list at the revision, its README.md metadata (`configs`, `dataset_info`), the config's data
// files (YAML data_files, else the default layouts; `{config}/` folders stand for configs when
// the card declares none), else the Hub's Parquet conversion on `refs/convert/parquet`.  Files
// land in the HF hub cache through hfHubDownload (repo type 'dataset'), so Python and tunekit
// share them, and a warm cache answers with HF_HUB_OFFLINE=1 (or HF_DATASETS_OFFLINE=1).
import { existsSync, readFileSync, readdirSync } from 'node:fs';
import { join, relative, sep } from 'node:path';
import {
  DEFAULT_REVISION, EntryNotFoundError, HubConnectionError, HubError, HubServerError, LocalEntryNotFoundError, REGEX_COMMIT_HASH,
  RepositoryNotFoundError, RevisionNotFoundError, getToken, hfHubDownload, hubCacheDir, hubEndpoint, isOffline, isValidRepoId, storageFolder,
} from '../hub/index.js';
import { hubHeaders, hubRequest } from '../hub/http.js';
import { timeouts } from '../hub/constants.js';
import type { DatasetDict } from './dataset-dict.js';
import { type Features } from './features.js';
import { canonicalFeatures, canonicalRepoId } from './hub-canonical.js';
import { type MetadataConfig, datasetInfos, defaultConfigName, featuresFromYaml, metadataConfigs, parseCard, sanitizeDataFiles } from './hub-card.js';
import { defaultSplitFiles, inferBuilderName, parquetExportLayout, resolveSplitPatterns } from './hub-files.js';
import { type DataFiles } from './files.js';
import { BUILDERS, buildDatasetDict } from './load.js';
import type { FormatOptions } from './loaders/types.js';
import { parseSplitSpec } from './split.js';

/** The Hub's Parquet conversion of a dataset lives on this revision. */
export const PARQUET_EXPORT_REVISION = 'refs/convert/parquet';

/** File extension -> builder, for the builders a Hub repo's files can use (load._EXTENSION_TO_MODULE). */
const EXTENSION_BUILDERS: Readonly<Record<string, string>> = {
  '.parquet': 'parquet', '.arrow': 'arrow', '.json': 'json', '.jsonl': 'json', '.csv': 'csv', '.tsv': 'csv', '.txt': 'text',
};
/** The extensions of the packaged builders (a function: load.ts and this module import each other). */
const dataExtensions = (): string[] => ['parquet', 'arrow', 'json', 'csv', 'text'].flatMap((b) => BUILDERS[b]!.extensions);

/** YAML config parameters -> tunekit's format options (the packaged builders' keyword names). */
const CONFIG_PARAMS: Readonly<Record<string, keyof FormatOptions>> = { sep: 'sep', delimiter: 'delimiter', field: 'field', column_names: 'columnNames', keep_linebreaks: 'keepLinebreaks', sample_by: 'sampleBy' };

export interface HubLoadOptions {
  revision?: string;
  token?: string | boolean;
  /** Datasets cache root (map results), as load_dataset's cache_dir. */
  cacheDir?: string;
  features?: Features;
  dataFiles?: DataFiles;
  dataDir?: string;
  /** Only these splits are downloaded and parsed (from the split spec). */
  splits?: readonly string[];
  format: FormatOptions;
}

/** One revision of the repo: its commit, its file names, and a way to get a file into the cache. */
interface Revision {
  revision: string;
  commit: string;
  /** The files of the commit; from the cache, only those downloaded before. */
  files: string[];
  /** Read from the cache (offline, or the Hub unreachable). */
  cached: boolean;
  fetch(file: string): Promise<string>;
}

const offlineFlag = (): string | null =>
  isOffline() ? 'HF_HUB_OFFLINE=1' : /^(1|on|yes|true)$/i.test(process.env.HF_DATASETS_OFFLINE ?? '') ? 'HF_DATASETS_OFFLINE=1' : null;

/** The revision as the cache knows it (refs/<revision> -> snapshots/<commit>/), or null. */
function cachedRevision(repoId: string, revision: string, token: string | boolean | undefined): Revision | null {
  const storage = storageFolder(hubCacheDir(), repoId, 'dataset');
  let commit: string | null = REGEX_COMMIT_HASH.test(revision) ? revision : null;
  if (commit === null && revision.split('/').every((p) => p !== '' && p !== '.' && p !== '..')) {
    try {
      commit = readFileSync(join(storage, 'refs', ...revision.split('/')), 'utf8').trim() || null;
    } catch { /* not cached */ }
  }
  const snap = commit === null ? null : join(storage, 'snapshots', commit);
  if (commit === null || snap === null || !existsSync(snap)) return null;
  const files = (readdirSync(snap, { recursive: true, withFileTypes: true }) as { name: string; isDirectory(): boolean; parentPath?: string; path?: string }[])
    .filter((e) => !e.isDirectory())
    .map((e) => relative(snap, join(e.parentPath ?? e.path ?? snap, e.name)).split(sep).join('/'))
    .sort();
  return { revision, commit, files, cached: true, fetch: (f) => hfHubDownload(repoId, f, { repoType: 'dataset', revision: commit!, token, localFilesOnly: true }) };
}

/** repo_info of a dataset at a revision: the commit and every file name (the Hub's /api/datasets/{id}/revision/{rev}). */
async function hubRevision(repoId: string, revision: string, token: string | boolean | undefined): Promise<Revision> {
  const target = { repoId, repoType: 'dataset', revision };
  const url = `${hubEndpoint()}/api/datasets/${repoId}/revision/${encodeURIComponent(revision)}`;
  const res = await hubRequest(url, { headers: hubHeaders(getToken(token)), timeoutMs: timeouts().etag * 1000, target });
  let info: { sha?: unknown; siblings?: { rfilename?: unknown }[] };
  try {
    info = await res.json() as typeof info;
  } catch (e) {
    throw new HubError(`${url} did not answer JSON; check HF_ENDPOINT`, target, res.status, { cause: e });
  }
  if (typeof info.sha !== 'string' || !REGEX_COMMIT_HASH.test(info.sha)) throw new HubError(`${url}: the dataset info has no commit sha`, target);
  const commit = info.sha;
  const files = (info.siblings ?? []).map((s) => s.rfilename).filter((f): f is string => typeof f === 'string').sort();
  const storage = storageFolder(hubCacheDir(), repoId, 'dataset');
  return {
    revision, commit, files, cached: false,
    // by the revision's name, so that refs/<revision> is recorded for offline use; the answer must be the listed commit
    fetch: async (f) => {
      const p = await hfHubDownload(repoId, f, { repoType: 'dataset', revision, token });
      const got = relative(join(storage, 'snapshots'), p).split(sep)[0];
      if (got !== commit) throw new HubError(`dataset ${repoId}: revision ${revision} moved from ${commit} to ${got} while loading; load again`, { ...target, filename: f });
      return p;
    },
  };
}

/** What a push needs to know of the repo: whether it exists, its files at the branch, its README in the cache. */
export interface RepoForPush {
  exists: boolean;
  files: string[];
  readme: string | null;
}

/** The repo at `revision` before a push (a missing repo is created by the upload; a missing branch is an error). */
export async function openRepoForPush(repoId: string, revision: string, token: string | boolean | undefined): Promise<RepoForPush> {
  if (!isValidRepoId(repoId) || !repoId.includes('/')) throw new TypeError(`pushToHub: '${repoId}' is not a Hub dataset id with its namespace ('namespace/name')`);
  let rev: Revision;
  try {
    rev = await hubRevision(repoId, revision, token);
  } catch (e) {
    if (e instanceof RevisionNotFoundError) throw new HubError(`pushToHub: dataset ${repoId} has no branch '${revision}'; create it first`, { repoId, repoType: 'dataset', revision }, e.status, { cause: e });
    if (e instanceof RepositoryNotFoundError) return { exists: false, files: [], readme: null };
    throw e;
  }
  const readme = rev.files.includes('README.md') ? await hfHubDownload(repoId, 'README.md', { repoType: 'dataset', revision: rev.commit, token }) : null;
  return { exists: true, files: rev.files, readme };
}

/** The revision online, else (offline, or the Hub unreachable) from the cache. */
async function openRevision(repoId: string, revision: string, token: string | boolean | undefined): Promise<Revision> {
  const offline = offlineFlag();
  if (offline === null) {
    try {
      return await hubRevision(repoId, revision, token);
    } catch (e) {
      // as datasets' CachedDatasetModuleFactory: a Hub that cannot be asked leaves the cache to answer
      if (!(e instanceof HubConnectionError || e instanceof HubServerError)) throw e;
      const cached = cachedRevision(repoId, revision, token);
      if (cached) return cached;
      throw e;
    }
  }
  const cached = cachedRevision(repoId, revision, token);
  if (cached) return cached;
  throw new LocalEntryNotFoundError(`dataset ${repoId} (revision ${revision}) is not in the HF cache ${hubCacheDir()}, and ${offline} forbids downloading it`, { repoId, repoType: 'dataset', revision });
}

/** The chosen config: its name, split -> repo files, builder parameters, and the features its card gives. */
interface Resolved {
  config: string;
  splits: Map<string, string[]>;
  params: Record<string, unknown>;
  cardFeatures?: Features;
}

const quoteList = (xs: readonly string[]): string => `[${xs.map((x) => `'${x}'`).join(', ')}]`;

function missingConfig(repoId: string, names: readonly string[]): Error {
  return new Error(`Config name is missing.\nPlease pick one among the available configs: ${quoteList(names)}\nExample of usage:\n\t\`loadDataset('${repoId}', '${names[0]}')\``);
}
function unknownConfig(name: string, names: readonly string[]): Error {
  return new Error(`BuilderConfig '${name}' not found. Available: ${quoteList(names)}`);
}

/** Config and files from the main revision (card configs, user dataFiles / dataDir, default layouts), or null when it has no data files. */
function resolveMain(repoId: string, rev: Revision, cardData: Record<string, unknown>, name: string | undefined, o: HubLoadOptions): Resolved | null {
  const where = `dataset ${repoId}`;
  const infos = datasetInfos(cardData);
  const withCard = (config: string, splits: Map<string, string[]>, params: Record<string, unknown> = {}): Resolved => {
    const { features: yamlFeatures, ...rest } = params;
    const cardFeatures = Array.isArray(yamlFeatures) ? featuresFromYaml(yamlFeatures, `${where}: config '${config}'`) : infos.get(config)?.features;
    return { config, splits, params: rest, cardFeatures };
  };
  if (o.dataFiles !== undefined) {
    const spec = typeof o.dataFiles === 'string' || Array.isArray(o.dataFiles) ? sanitizeDataFiles(o.dataFiles, 'dataFiles')
      : new Map(Object.entries(o.dataFiles as Record<string, string | readonly string[]>).map(([k, v]) => [k, typeof v === 'string' ? [v] : [...v]]));
    return withCard(name ?? 'default', resolveSplitPatterns(rev.files, spec, o.dataDir ?? '', where));
  }
  if (o.dataDir !== undefined) {
    const splits = defaultSplitFiles(rev.files, o.dataDir, dataExtensions());
    if (splits.size === 0) throw new Error(`${where}: no data files with a supported extension under '${o.dataDir}'`);
    return withCard(name ?? 'default', splits);
  }
  const configs: MetadataConfig[] = metadataConfigs(cardData, `${where}: README.md`);
  if (configs.length) {
    const names = configs.map((c) => c.name);
    const chosen = name ?? defaultConfigName(configs);
    if (chosen === null) throw missingConfig(repoId, names);
    const c = configs.find((x) => x.name === chosen);
    if (!c) throw unknownConfig(chosen, names);
    const splits = c.dataFiles ? resolveSplitPatterns(rev.files, c.dataFiles, c.dataDir ?? '', `${where}, config '${c.name}'`) : defaultSplitFiles(rev.files, c.dataDir ?? '', dataExtensions());
    if (splits.size === 0) throw new Error(`${where}, config '${c.name}': no data files with a supported extension under '${c.dataDir ?? ''}'`);
    return withCard(c.name, splits, c.params);
  }
  const all = defaultSplitFiles(rev.files, '', dataExtensions());
  if (all.size === 0) return null;
  // no declared configs: top-level folders holding data files stand for configs (`{config}/train-*.parquet`)
  const folders = [...new Set(rev.files.filter((f) => f.includes('/') && !f.startsWith('.') && !f.startsWith('data/')).map((f) => f.slice(0, f.indexOf('/'))))]
    .filter((d) => defaultSplitFiles(rev.files, d, dataExtensions()).size > 0).sort();
  if (name === undefined || name === 'default') return withCard('default', all);
  if (folders.includes(name)) return withCard(name, defaultSplitFiles(rev.files, name, dataExtensions()));
  throw unknownConfig(name, ['default', ...folders]);
}

/** Config and files from the Parquet conversion. */
function resolveExport(repoId: string, rev: Revision, cardData: Record<string, unknown>, name: string | undefined): Resolved {
  const { configs, partial } = parquetExportLayout(rev.files);
  const names = [...configs.keys()];
  if (names.length === 0) throw new Error(`dataset ${repoId}: no Parquet files on ${PARQUET_EXPORT_REVISION} (commit ${rev.commit})`);
  const chosen = name ?? (names.length === 1 ? names[0]! : names.includes('default') ? 'default' : null);
  if (chosen === null) throw missingConfig(repoId, names);
  const splits = configs.get(chosen);
  if (!splits) throw unknownConfig(chosen, names);
  const cut = partial.filter((p) => p.startsWith(`${chosen}/`));
  if (cut.length) process.emitWarning(`dataset ${repoId}: the Hub's Parquet conversion of ${cut.join(', ')} is partial (only the first rows were converted)`);
  // the card's split order when it lists the config (HF keeps dataset_info's order)
  const order = datasetInfos(cardData).get(chosen)?.splits?.map((s) => s.name) ?? ['train', 'validation', 'test'];
  const sorted = [...splits.keys()].sort((a, b) => {
    const ia = order.indexOf(a), ib = order.indexOf(b);
    return (ia < 0 ? order.length : ia) - (ib < 0 ? order.length : ib) || (a < b ? -1 : 1);
  });
  return { config: chosen, splits: new Map(sorted.map((s) => [s, splits.get(s)!])), params: {}, cardFeatures: datasetInfos(cardData).get(chosen)?.features };
}

/** Downloads `files` (4 at a time), returning their cache paths in order. */
async function fetchAll(rev: Revision, files: readonly string[]): Promise<string[]> {
  const out: string[] = new Array<string>(files.length);
  let next = 0;
  await Promise.all(Array.from({ length: Math.min(4, files.length) }, async () => {
    for (let i = next++; i < files.length; i = next++) out[i] = await rev.fetch(files[i]!);
  }));
  return out;
}

/**
 * Loads a Hub dataset repo into a DatasetDict (every split, or `o.splits`).
 * @throws the Hub's errors (repo / revision not found, access), HF's config errors naming the
 *   available configs, and LocalEntryNotFoundError offline when the cache lacks the data
 */
export async function loadHubDataset(path: string, name: string | undefined, o: HubLoadOptions): Promise<DatasetDict> {
  const repoId = canonicalRepoId(path.startsWith('hf://datasets/') ? path.slice('hf://datasets/'.length) : path);
  if (!isValidRepoId(repoId)) throw new TypeError(`loadDataset: '${path}' is not a Hub dataset id (namespace/name)`);
  const revision = o.revision ?? DEFAULT_REVISION;
  const main = await openRevision(repoId, revision, o.token);
  let cardData: Record<string, unknown> = {};
  if (main.files.includes('README.md')) {
    const readme = await main.fetch('README.md').catch((e: unknown) => (e instanceof EntryNotFoundError ? null : Promise.reject(e)));
    if (readme) cardData = parseCard(readFileSync(readme, 'utf8'), `dataset ${repoId}: README.md`).data;
  }
  let rev = main;
  let resolved: Resolved | null;
  try {
    resolved = resolveMain(repoId, main, cardData, name, o);
  } catch (e) {
    // offline, the commit's file list is what was downloaded before: say so
    if (main.cached && /Unable to find|no data files/.test((e as Error).message))
      throw new Error(`${(e as Error).message} — ${offlineFlag() ?? 'the Hub could not be reached'}: only files already in the HF cache ${hubCacheDir()} can be read`, { cause: e });
    throw e;
  }
  if (resolved === null) {
    try {
      rev = await openRevision(repoId, PARQUET_EXPORT_REVISION, o.token);
    } catch (e) {
      if (e instanceof RevisionNotFoundError || e instanceof LocalEntryNotFoundError)
        throw new Error(`No (supported) data files found in ${repoId} (revision ${revision}: no file with extension ${dataExtensions().join(', ')}, and no Parquet conversion on ${PARQUET_EXPORT_REVISION})`, { cause: e });
      throw e;
    }
    resolved = resolveExport(repoId, rev, cardData, name);
  }
  let { splits } = resolved;
  if (o.splits) {
    const missing = o.splits.filter((s) => !splits.has(s));
    if (missing.length) throw new Error(`Unknown split "${missing[0]}". Should be one of ${quoteList([...splits.keys()])}.`);
    splits = new Map([...splits].filter(([s]) => o.splits!.includes(s)));
  }
  const allFiles = [...splits.values()].flat();
  const builderName = inferBuilderName(allFiles, EXTENSION_BUILDERS);
  if (builderName === null) throw new Error(`dataset ${repoId}, config '${resolved.config}': no file with a supported extension (${dataExtensions().join(', ')}) in ${JSON.stringify(allFiles.slice(0, 5))}`);
  const builder = BUILDERS[builderName]!;
  const format: FormatOptions = {};
  for (const [k, v] of Object.entries(resolved.params)) {
    if (k === 'version' || k === 'description') continue; // informational
    const ours = CONFIG_PARAMS[k];
    if (!ours) throw new Error(`dataset ${repoId}, config '${resolved.config}': the parameter '${k}' of the ${builderName} builder is not supported (supported: ${Object.keys(CONFIG_PARAMS).join(', ')})`);
    (format as Record<string, unknown>)[ours] = v;
  }
  Object.assign(format, o.format);
  const fileMap = new Map<string, string[]>();
  for (const [split, files] of splits) {
    const usable = files.filter((f) => builder.extensions.some((e) => f.toLowerCase().endsWith(e)));
    if (usable.length === 0) throw new Error(`dataset ${repoId}, config '${resolved.config}': split '${split}' has no ${builderName} file (${JSON.stringify(files.slice(0, 5))})`);
    fileMap.set(split, await fetchAll(rev, usable));
  }
  return buildDatasetDict({
    builderName, builder, fileMap, format, features: o.features, cacheDir: o.cacheDir,
    fallbackFeatures: resolved.cardFeatures ?? canonicalFeatures(repoId, resolved.config),
    cacheName: `${repoId.replace('/', '___')}/${resolved.config}`,
  });
}

/** The split names a split spec reads ('train[:10%]+test' -> train, test). */
export function splitsOfSpec(spec: string): string[] {
  return [...new Set(parseSplitSpec(spec).map((i) => i.split))];
}

/** Whether a path names a Hub dataset for loadDataset (a namespaced id, `hf://datasets/...`, or a canonical bare name). */
export function isHubDatasetPath(path: string): boolean {
  if (path.startsWith('hf://datasets/')) return true;
  const id = canonicalRepoId(path);
  return id.includes('/') && isValidRepoId(id);
}

