// checkpoint.ts — checkpoint folders as transformers 4.47 trainer.py writes them (_save_checkpoint,
// _sorted_checkpoints, _rotate_checkpoints, get_last_checkpoint), written atomically.  HF pickles
// optimizer.pt / scheduler.pt / rng_state.pth; tunekit writes optimizer.safetensors (the state
// tensors) + optimizer.json (structure and param-group hyperparameters), scheduler.json and
// rng_state.safetensors, so a checkpoint holds no pickle and resumes only in tunekit.
import { mkdir, open, readdir, readFile, rename, rm, stat, writeFile } from 'node:fs/promises';
import { basename, join } from 'node:path';
import { Tensor, getRngState, safetensors, setRngState } from '../torch/index.js';
import { GradScaler, type GradScalerStateDict, type LambdaLR, type LRSchedulerStateDict, type Optimizer, type OptimizerStateDict, type StateValue } from '../optim/index.js';

export const PREFIX_CHECKPOINT_DIR = 'checkpoint';
export const TRAINER_STATE_NAME = 'trainer_state.json';
export const TRAINING_ARGS_NAME = 'training_args.json';
export const OPTIMIZER_NAME = 'optimizer.safetensors';
export const OPTIMIZER_META_NAME = 'optimizer.json';
export const SCHEDULER_NAME = 'scheduler.json';
export const RNG_STATE_NAME = 'rng_state.safetensors';
/** fp16's GradScaler state (accelerate's save_state writes scaler.pt; here torch's state_dict as JSON). */
export const SCALER_NAME = 'scaler.json';

/** `checkpoint-<N>` exactly (HF's _re_checkpoint): temp folders `checkpoint-N.tmp-<pid>` never match. */
const RE_CHECKPOINT = /^checkpoint-(\d+)$/;
const RE_TEMP = /^(checkpoint-\d+)\.(tmp|old)-(\d+)$/;

const isDir = (p: string): Promise<boolean> => stat(p).then((s) => s.isDirectory(), () => false);

/** The checkpoint folders of `folder` as [step, path], by step. */
async function checkpointsIn(folder: string): Promise<[number, string][]> {
  let names: string[];
  try { names = await readdir(folder); } catch { return []; }
  const out: [number, string][] = [];
  for (const n of names) {
    const m = RE_CHECKPOINT.exec(n);
    if (m && (await isDir(join(folder, n)))) out.push([Number(m[1]), join(folder, n)]);
  }
  return out.sort((a, b) => a[0] - b[0]);
}

/** HF get_last_checkpoint: the checkpoint-N folder with the largest N, or null. */
export async function getLastCheckpoint(folder: string): Promise<string | null> {
  const all = await checkpointsIn(folder);
  return all.length ? all[all.length - 1]![1] : null;
}

/** Every checkpoint-N folder of `folder`, oldest (smallest N) first. */
export async function listCheckpoints(folder: string): Promise<string[]> {
  return (await checkpointsIn(folder)).map(([, p]) => p);
}

/**
 * Reads a JSON file of a checkpoint; a truncated or corrupt file is an error naming its path
 * (JSON.parse alone says only "Unexpected end of JSON input").  `parse` defaults to JSON.parse.
 */
export async function readJsonFile(path: string, parse: (text: string) => unknown = JSON.parse): Promise<unknown> {
  const text = await readFile(path, 'utf8');
  let v: unknown;
  try {
    v = parse(text);
  } catch (e) {
    throw new Error(`${path} is not valid JSON (${text.length === 0 ? 'the file is empty' : (e as Error).message}): the file is truncated or corrupt`);
  }
  if (v === null || typeof v !== 'object' || Array.isArray(v)) throw new Error(`${path} does not hold a JSON object (got ${Array.isArray(v) ? 'an array' : String(v)}): the file is corrupt`);
  return v;
}

/**
 * HF _sorted_checkpoints (by step, never mtime): oldest first, except that the best model's
 * checkpoint is moved to second-to-last so rotation deletes it last.
 */
export async function sortedCheckpoints(outputDir: string, bestModelCheckpoint: string | null): Promise<string[]> {
  const sorted = (await checkpointsIn(outputDir)).map(([, p]) => p);
  const best = bestModelCheckpoint === null ? -1 : sorted.indexOf(join(outputDir, basename(bestModelCheckpoint)));
  if (best >= 0) for (let i = best; i < sorted.length - 2; i++) [sorted[i], sorted[i + 1]] = [sorted[i + 1]!, sorted[i]!];
  return sorted;
}

/**
 * HF _rotate_checkpoints: keeps the newest `saveTotalLimit` checkpoints, never the best model's
 * (with limit 1 and a best model that is not the newest, two are kept so training can resume).
 * Returns the deleted folders.
 */
export async function rotateCheckpoints(outputDir: string, saveTotalLimit: number | null, bestModelCheckpoint: string | null): Promise<string[]> {
  if (saveTotalLimit === null || saveTotalLimit <= 0) return [];
  const sorted = await sortedCheckpoints(outputDir, bestModelCheckpoint);
  if (sorted.length <= saveTotalLimit) return [];
  let limit = saveTotalLimit;
  if (bestModelCheckpoint !== null && saveTotalLimit === 1 && basename(sorted[sorted.length - 1]!) !== basename(bestModelCheckpoint)) limit = 2;
  const doomed = sorted.slice(0, Math.max(0, sorted.length - limit));
  for (const d of doomed) await rm(d, { recursive: true, force: true });
  return doomed;
}

const alive = (pid: number): boolean => {
  if (pid === process.pid) return false; // ours, but not being written now: a leftover of a failed save
  try { process.kill(pid, 0); return true; } catch (e) { return (e as NodeJS.ErrnoException).code === 'EPERM'; }
};

/**
 * Age after which a `.tmp-<pid>` / `.old-<pid>` folder is taken for a leftover even when a
 * process with that pid is alive: 6 hours.  Pids are reused after a reboot or in a fresh
 * container (where the trainer is often pid 1 or another low pid every time), so a live pid does
 * not prove the save is still running.  A running save writes its files continuously (the age is
 * the newest mtime/ctime of anything in the folder), and even a checkpoint of hundreds of
 * GB is written in well under an hour, so a folder untouched for 6 hours is no save in progress;
 * a shorter limit would risk a save stalled on a slow network file system.
 */
export const STALE_TEMP_AGE_MS = 6 * 3600 * 1000;

/**
 * When `p` or anything under it last changed (ms): the newest mtime or ctime (a rename, e.g.
 * checkpoint-N moved aside to `.old-<pid>`, updates the ctime but keeps the old mtime).
 */
async function lastChange(p: string): Promise<number> {
  let newest = 0;
  const walk = async (q: string): Promise<void> => {
    let s;
    try { s = await stat(q); } catch { return; }
    newest = Math.max(newest, s.mtimeMs, s.ctimeMs);
    if (!s.isDirectory()) return;
    let names: string[] = [];
    try { names = await readdir(q); } catch { /* unreadable: its own mtime counts */ }
    for (const n of names) await walk(join(q, n));
  };
  await walk(p);
  return newest;
}

/**
 * Cleans what an interrupted save left in `outputDir`: half-written `checkpoint-N.tmp-<pid>`
 * folders are deleted when their process is dead, or when nothing in them changed for
 * `maxAgeMs` (default {@link STALE_TEMP_AGE_MS}: pids get reused, so a live pid may be another
 * process); a `checkpoint-N.old-<pid>` (a complete checkpoint being replaced when the process
 * died) under the same rule is renamed back if checkpoint-N is missing, else deleted.
 */
export async function cleanInterruptedSaves(outputDir: string, opts: { maxAgeMs?: number; now?: number } = {}): Promise<void> {
  let names: string[];
  try { names = await readdir(outputDir); } catch { return; }
  const maxAge = opts.maxAgeMs ?? STALE_TEMP_AGE_MS;
  for (const n of names) {
    const m = RE_TEMP.exec(n);
    if (!m) continue;
    const p = join(outputDir, n);
    if (alive(Number(m[3])) && (opts.now ?? Date.now()) - (await lastChange(p)) < maxAge) continue;
    if (m[2] === 'old' && !(await isDir(join(outputDir, m[1]!)))) await rename(p, join(outputDir, m[1]!));
    else await rm(p, { recursive: true, force: true });
  }
}

/** fsync of one file (opened for writing where allowed: Windows flushes only writable handles). */
async function fsyncFile(path: string): Promise<void> {
  let fh;
  try { fh = await open(path, 'r+'); } catch { fh = await open(path, 'r'); }
  try { await fh.sync(); } finally { await fh.close(); }
}

/**
 * fsync of a directory, so the names in it (a rename, new files) reach the disk.  Windows cannot
 * open a directory this way (and NTFS journals names itself): there the errors are ignored.
 */
export async function fsyncDir(path: string): Promise<void> {
  let fh;
  try {
    fh = await open(path, 'r');
    await fh.sync();
  } catch (e) {
    const code = (e as NodeJS.ErrnoException).code;
    if (!(process.platform === 'win32' || code === 'EISDIR' || code === 'EINVAL' || code === 'EPERM')) throw e;
  } finally {
    await fh?.close();
  }
}

/** fsync of every file under `dir` (whoever wrote it: the model's, the tokenizer's, ours), then of the folders. */
export async function fsyncTree(dir: string): Promise<void> {
  for (const e of await readdir(dir, { withFileTypes: true })) {
    const p = join(dir, e.name);
    if (e.isDirectory()) await fsyncTree(p);
    else if (e.isFile()) await fsyncFile(p);
  }
  await fsyncDir(dir);
}

/**
 * Writes a checkpoint folder atomically: `write` fills `<name>.tmp-<pid>`, every file in it is
 * fsynced (JSON files included, not only the safetensors), then it is renamed to `<name>` (a
 * same-name checkpoint is moved aside first and deleted after) and `outputDir` is fsynced so the
 * rename itself is durable.  A process killed midway — or a power cut after the save returned —
 * leaves the earlier checkpoints intact and no folder that resume or rotation would pick up.
 */
export async function writeCheckpointAtomically(outputDir: string, name: string, write: (tmpDir: string) => Promise<void>): Promise<string> {
  const final = join(outputDir, name);
  const tmp = `${final}.tmp-${process.pid}`;
  await rm(tmp, { recursive: true, force: true });
  await mkdir(tmp, { recursive: true });
  try {
    await write(tmp);
  } catch (e) {
    await rm(tmp, { recursive: true, force: true });
    throw e;
  }
  try {
    await fsyncTree(tmp);
  } catch (e) {
    await rm(tmp, { recursive: true, force: true });
    throw e;
  }
  if (await isDir(final)) {
    const old = `${final}.old-${process.pid}`;
    await rename(final, old);
    await rename(tmp, final);
    await fsyncDir(outputDir);
    await rm(old, { recursive: true, force: true });
  } else {
    await rename(tmp, final);
    await fsyncDir(outputDir);
  }
  return final;
}

/** What optimizer.json holds: the state dict with each tensor replaced by a reference into optimizer.safetensors. */
interface OptimizerMeta {
  format: 'tunekit-optimizer-v1';
  state: Record<string, Record<string, number | null | { tensor: string }>>;
  param_groups: Record<string, unknown>[];
}

/** optimizer.safetensors + optimizer.json from optimizer.stateDict(). */
export async function saveOptimizer(optimizer: Pick<Optimizer, 'stateDict'>, dir: string): Promise<void> {
  const sd = optimizer.stateDict();
  const tensors: Record<string, Tensor> = {};
  const state: OptimizerMeta['state'] = {};
  for (const [id, entry] of Object.entries(sd.state)) {
    state[id] = {};
    for (const [key, v] of Object.entries(entry)) {
      if (v instanceof Tensor) {
        const name = `state.${id}.${key}`;
        tensors[name] = v;
        state[id]![key] = { tensor: name };
      } else state[id]![key] = v;
    }
  }
  await safetensors.saveFile(tensors, join(dir, OPTIMIZER_NAME), { format: 'pt' });
  const meta: OptimizerMeta = { format: 'tunekit-optimizer-v1', state, param_groups: sd.param_groups };
  await writeFile(join(dir, OPTIMIZER_META_NAME), JSON.stringify(meta, null, 2) + '\n');
}

/** What readOptimizerState returns: the state dict and a dispose() for its tensors (once it is loaded or abandoned). */
export interface LoadedOptimizerState {
  stateDict: OptimizerStateDict;
  dispose(): void;
}

/** Reads what saveOptimizer wrote, without touching any optimizer; errors name the file. */
export async function readOptimizerState(dir: string): Promise<LoadedOptimizerState> {
  const metaPath = join(dir, OPTIMIZER_META_NAME);
  const meta = (await readJsonFile(metaPath)) as OptimizerMeta;
  if (meta.format !== 'tunekit-optimizer-v1') throw new Error(`${metaPath}: not a tunekit optimizer state (format ${String(meta.format)})`);
  if (meta.state === null || typeof meta.state !== 'object' || !Array.isArray(meta.param_groups)) throw new Error(`${metaPath}: lacks 'state' or 'param_groups': the file is corrupt`);
  const tensors = await safetensors.loadFile(join(dir, OPTIMIZER_NAME));
  const dispose = (): void => { for (const t of Object.values(tensors)) t.dispose(); };
  try {
    const state: OptimizerStateDict['state'] = {};
    for (const [id, entry] of Object.entries(meta.state)) {
      const out: Record<string, StateValue> = {};
      for (const [key, v] of Object.entries(entry)) {
        if (v !== null && typeof v === 'object') {
          const t = tensors[v.tensor];
          if (!t) throw new Error(`${join(dir, OPTIMIZER_NAME)} lacks tensor '${v.tensor}'`);
          out[key] = t;
        } else out[key] = v;
      }
      state[Number(id)] = out;
    }
    return { stateDict: { state, param_groups: meta.param_groups } as OptimizerStateDict, dispose };
  } catch (e) {
    dispose();
    throw e;
  }
}

/** Restores what saveOptimizer wrote (the optimizer copies the tensors; the loaded ones are freed). */
export async function loadOptimizer(optimizer: Pick<Optimizer, 'loadStateDict'>, dir: string): Promise<void> {
  const loaded = await readOptimizerState(dir);
  try {
    optimizer.loadStateDict(loaded.stateDict);
  } finally {
    loaded.dispose();
  }
}

export async function saveScheduler(scheduler: Pick<LambdaLR, 'stateDict'>, dir: string): Promise<void> {
  await writeFile(join(dir, SCHEDULER_NAME), JSON.stringify(scheduler.stateDict(), null, 2) + '\n');
}
/** scaler.json: the GradScaler's state dict (torch's keys). */
export async function saveScaler(scaler: Pick<GradScaler, 'stateDict'>, dir: string): Promise<void> {
  await writeFile(join(dir, SCALER_NAME), JSON.stringify(scaler.stateDict(), null, 2) + '\n');
}
/** scaler.json checked into a GradScaler state dict (errors name the file and the key). */
export async function readScalerState(dir: string): Promise<GradScalerStateDict> {
  const path = join(dir, SCALER_NAME);
  const sd = (await readJsonFile(path)) as GradScalerStateDict;
  new GradScaler().loadStateDict(sd, path); // validates every key before the resume applies anything
  return sd;
}
/** scheduler.json as an LR scheduler state dict (errors name the file). */
export async function readSchedulerState(dir: string): Promise<LRSchedulerStateDict> {
  return (await readJsonFile(join(dir, SCHEDULER_NAME))) as LRSchedulerStateDict;
}
export async function loadScheduler(scheduler: Pick<LambdaLR, 'loadStateDict'>, dir: string): Promise<void> {
  scheduler.loadStateDict(await readSchedulerState(dir));
}

/** The data side of the RNG state: what decides the sample order. */
export interface DataRngState {
  data_seed: number;
  epoch: number;
}

/**
 * rng_state.safetensors: the default CPU generator's state (`cpu`) and, as metadata, the data
 * order seed and epoch.  CUDA generators are not saved (the addon exposes the CPU state only), so
 * a resume on GPU with dropout is not bit-exact.
 */
export async function saveRngState(dir: string, data: DataRngState): Promise<void> {
  const cpu = getRngState();
  try {
    await safetensors.saveFile({ cpu }, join(dir, RNG_STATE_NAME), { format: 'pt', data_seed: String(data.data_seed), epoch: String(data.epoch) });
  } finally {
    cpu.dispose();
  }
}

/** Reads rng_state.safetensors when present (without applying it), so a truncated file fails before a resume starts. */
export async function verifyRngState(dir: string): Promise<void> {
  const path = join(dir, RNG_STATE_NAME);
  if (!(await stat(path).then(() => true, () => false))) return;
  const tensors = await safetensors.loadFile(path);
  for (const t of Object.values(tensors)) t.dispose();
}

/** Restores the CPU generator from rng_state.safetensors; returns the data seed/epoch, or null when the file is absent (HF warns and goes on). */
export async function loadRngState(dir: string): Promise<DataRngState | null> {
  const path = join(dir, RNG_STATE_NAME);
  if (!(await stat(path).then(() => true, () => false))) {
    console.warn("Didn't find an RNG file, if you are resuming a training that wasn't launched in a distributed fashion, reproducibility is not guaranteed.");
    return null;
  }
  const { cpu } = await safetensors.loadFile(path);
  const meta = await safetensors.readMetadata(path);
  try {
    if (cpu) setRngState(cpu);
  } finally {
    cpu?.dispose();
  }
  return { data_seed: Number(meta?.data_seed ?? NaN), epoch: Number(meta?.epoch ?? NaN) };
}
