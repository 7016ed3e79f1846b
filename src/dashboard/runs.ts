// runs.ts — the runs under a folder: every folder (the root itself included, down to a few levels)
// that holds a tunekit-events.jsonl is a run, named by its path relative to the root.  The summary of
// each (model, steps, finished or not) comes from the file's first and last lines, so listing stays
// cheap however long a run's file grows.
import { open, readdir, stat } from 'node:fs/promises';
import { join, relative, sep } from 'node:path';
import { EVENTS_FILE, parseLines } from './events.js';

export interface RunInfo {
  /** the run's folder relative to the root, '/'-separated ('.' for the root itself) */
  id: string;
  dir: string;
  file: string;
  size: number;
  mtimeMs: number;
  run_name: string | null;
  model: string | null;
  max_steps: number | null;
  /** the step of the last complete event, when it has one */
  step: number | null;
  /** the last complete event is train_end */
  finished: boolean;
}

/** Folders never searched: checkpoints hold copies of a run, not runs; the others are huge and never runs. */
const SKIP = (name: string): boolean => name.startsWith('.') || name === 'node_modules' || /^checkpoint-\d+$/.test(name);

/**
 * The runs under `root`, newest (last written) first.  `maxDepth` counts folder levels below the
 * root (output_dir `runs/x` with logging_dir `runs/x/logs` is depth 2).  A missing root is an error
 * naming it.
 */
export async function listRuns(root: string, maxDepth = 3): Promise<RunInfo[]> {
  const st = await stat(root).catch(() => null);
  if (!st) throw new Error(`dashboard: runs folder '${root}' does not exist`);
  if (!st.isDirectory()) throw new Error(`dashboard: '${root}' is not a folder`);
  const files: string[] = [];
  const walk = async (dir: string, depth: number): Promise<void> => {
    const entries = await readdir(dir, { withFileTypes: true }).catch(() => []); // removed or unreadable meanwhile
    for (const e of entries) {
      if (e.isFile() && e.name === EVENTS_FILE) files.push(join(dir, e.name));
      else if (e.isDirectory() && depth < maxDepth && !SKIP(e.name)) await walk(join(dir, e.name), depth + 1);
    }
  };
  await walk(root, 0);
  const runs = (await Promise.all(files.map((f) => summarize(root, f)))).filter((r): r is RunInfo => r !== null);
  return runs.sort((a, b) => b.mtimeMs - a.mtimeMs || a.id.localeCompare(b.id));
}

const HEAD = 64 << 10;
const TAIL = 16 << 10;

async function summarize(root: string, file: string): Promise<RunInfo | null> {
  let fh;
  try {
    fh = await open(file, 'r');
  } catch {
    return null; // deleted between readdir and open
  }
  try {
    const st = await fh.stat();
    const dir = file.slice(0, -EVENTS_FILE.length - 1) || root;
    const rel = relative(root, dir);
    const info: RunInfo = { id: rel === '' ? '.' : rel.split(sep).join('/'), dir, file, size: st.size, mtimeMs: st.mtimeMs,
      run_name: null, model: null, max_steps: null, step: null, finished: false };
    const head = Buffer.alloc(Math.min(HEAD, st.size));
    await fh.read(head, 0, head.length, 0);
    // the last run_start in the head wins (a resumed run appends a second one)
    for (const { event } of parseLines(head, 0).events) {
      if (event.type !== 'run_start') continue;
      info.run_name = typeof event.run_name === 'string' ? event.run_name : null;
      info.model = typeof event.model === 'string' ? event.model : null;
      info.max_steps = typeof event.max_steps === 'number' ? event.max_steps : null;
    }
    const from = Math.max(0, st.size - TAIL);
    const tail = Buffer.alloc(st.size - from);
    await fh.read(tail, 0, tail.length, from);
    // from the middle of a line on: drop the bytes before the first '\n' (unless reading from 0)
    const cut = from === 0 ? 0 : tail.indexOf(10) + 1;
    const events = parseLines(tail.subarray(cut), from + cut).events;
    const last = events[events.length - 1]?.event;
    if (last) {
      info.finished = last.type === 'train_end';
      if (typeof last.step === 'number') info.step = last.step;
      else if (typeof last.global_step === 'number') info.step = last.global_step;
    }
    return info;
  } finally {
    await fh.close();
  }
}
