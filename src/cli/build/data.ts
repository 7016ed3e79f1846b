// data.ts — a recipe's `dataset` section to train / eval Datasets: loadDataset with its files and
// format options, the train / eval splits (or a seeded test_size hold-out), the row limits, and the
// `columns` roles renamed to the names the task code reads.  A column the recipe names that the
// data lacks is a RecipeError naming the column, the data and the recipe line.
import { loadDataset, selectSplit, type DatasetDict, type Dataset, type LoadDatasetOptions } from '../../data/index.js';
import { camelCase } from '../../utils/options.js';
import { inputPath, type Recipe } from '../recipe/recipe.js';
import { TASK_DATA } from '../recipe/sections.js';
import { RecipeError } from '../recipe/source.js';

/** The data of a run: the training rows, the evaluation rows (null when there are none). */
export interface RecipeData {
  train: Dataset;
  eval: Dataset | null;
  /** What the data is, for messages: the files or the dataset id. */
  label: string;
}

/** data_files with each relative path resolved as inputPath does (next to the recipe first). */
export function resolveFiles(r: Recipe, f: unknown): unknown {
  if (typeof f === 'string') return inputPath(r.source, f);
  if (Array.isArray(f)) return f.map((x) => resolveFiles(r, x));
  if (f && typeof f === 'object') return Object.fromEntries(Object.entries(f).map(([k, v]) => [k, resolveFiles(r, v)]));
  return f;
}

/** Loads the recipe's data (both splits, limited and renamed); `need` says which splits the command uses. */
export async function loadRecipeData(r: Recipe, need: { train: boolean; eval: boolean }): Promise<RecipeData> {
  const d = r.dataset;
  const src = r.source;
  const opts: LoadDatasetOptions = {};
  if (d.data_files !== undefined) opts.dataFiles = resolveFiles(r, d.data_files) as LoadDatasetOptions['dataFiles'];
  if (d.data_dir) opts.dataDir = inputPath(src, d.data_dir);
  if (d.name) opts.name = d.name;
  for (const [k, v] of Object.entries(d.format ?? {})) (opts as Record<string, unknown>)[camelCase(k)] = v;
  const path = inputPath(src, d.path);
  const label = d.data_files !== undefined ? JSON.stringify(opts.dataFiles) : opts.dataDir ?? path;
  let dd: DatasetDict;
  try {
    dd = await loadDataset(path, opts);
  } catch (e) {
    throw src.error(['dataset'], `cannot load the data (${label}): ${(e as Error).message}`);
  }
  const pick = (split: string, key: string): Dataset => {
    try {
      return selectSplit(dd, split);
    } catch (e) {
      throw src.error(['dataset', key], `split '${split}': ${(e as Error).message} (${label}; its splits: ${dd.keys().join(', ')})`);
    }
  };
  let train = pick(d.train_split, 'train_split');
  let evalSet: Dataset | null = null;
  if (d.eval_split) evalSet = pick(d.eval_split, 'eval_split');
  else if (d.test_size !== undefined) {
    const parts = train.trainTestSplit({ testSize: d.test_size, seed: r.args.seed });
    train = parts.get('train');
    evalSet = parts.get('test');
  }
  if (need.eval && evalSet === null) throw src.error(['dataset'], 'has no evaluation rows: set eval_split or test_size');
  const limit = (ds: Dataset, n: number | null | undefined): Dataset => (n && n < ds.numRows ? ds.select(Array.from({ length: n }, (_, i) => i)) : ds);
  train = limit(train, d.max_train_samples);
  if (evalSet) evalSet = limit(evalSet, d.max_eval_samples);
  if (need.train && train.numRows === 0) throw src.error(['dataset', 'train_split'], `split '${d.train_split}' has no rows (${label})`);
  return { train: renameRoles(r, train, label), eval: evalSet && renameRoles(r, evalSet, label), label };
}

/**
 * The task's roles renamed to their canonical names (`columns: { label: sentiment }` -> 'label').
 * A role's column (given, or the default name of a required role) must be in the data.
 */
function renameRoles(r: Recipe, ds: Dataset, label: string): Dataset {
  const roles = TASK_DATA[r.task].roles;
  const given = r.dataset.columns ?? {};
  const have = ds.columnNames;
  const rename: Record<string, string> = {};
  for (const [role, dflt] of Object.entries(roles)) {
    const col = given[role] ?? dflt;
    if (col === null) continue;
    if (!have.includes(col)) {
      const how = given[role] !== undefined ? ['dataset', 'columns', role] : ['dataset', 'columns'];
      throw new RecipeError(`${r.source.where(how)}: dataset column '${col}' (the ${role} column${given[role] === undefined ? ', by default' : ''}) is not in ${label}; its columns: ${have.join(', ')}${given[role] === undefined ? ` — map it with columns: { ${role}: <column> }` : ''}`);
    }
    if (col !== role) rename[col] = role;
  }
  // a column already called like a role it does not play would collide: drop it first
  const clash = Object.keys(roles).filter((role) => have.includes(role) && !(role in rename) && Object.values(rename).includes(role));
  return Object.keys(rename).length ? (clash.length ? ds.removeColumns(clash) : ds).renameColumns(rename) : ds;
}
