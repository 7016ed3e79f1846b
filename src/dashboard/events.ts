// events.ts — the run events file the dashboard follows (`tunekit-events.jsonl`): one JSON object a
// line, appended by the Trainer's DashboardCallback (src/trainer/integrations/dashboard.ts) and read
// here from a byte offset.  Appending is crash-safe because a line counts only once its '\n' is
// written: a partial last line (a run killed mid-write, or a write still in progress) is left for the
// next read.  The format is documented in docs/observability.md ("Dashboard").
import { open } from 'node:fs/promises';

/** The file name a run's events are appended to, inside its logging_dir (or output_dir). */
export const EVENTS_FILE = 'tunekit-events.jsonl';

/** Every event has a type and a wall-clock time (ms since the epoch). */
export interface BaseEvent { type: string; time: number }
/** Training started (or resumed: `global_step` > 0). */
export interface RunStartEvent extends BaseEvent {
  type: 'run_start';
  run_name: string | null;
  model: string | null;
  max_steps: number;
  num_train_epochs: number;
  global_step: number;
  /** rows per optimizer step (per-device batch x gradient accumulation) */
  effective_batch_size: number;
  device: string;
  args: Record<string, unknown>;
}
/** One Trainer log dict (loss, learning_rate, grad_norm, eval_* metrics, epoch, ...) at `step`. */
export interface LogEvent extends BaseEvent { type: 'log'; step: number; logs: Record<string, number> }
/** Where training stands: for throughput, ETA and device memory (bytes; absent on CPU). */
export interface ProgressEvent extends BaseEvent {
  type: 'progress';
  step: number;
  max_steps: number;
  epoch: number | null;
  num_input_tokens_seen?: number;
  memory?: { allocated: number; reserved: number; max_allocated: number };
}
/** A sample generation (a prompt and the model's text) at `step`. */
export interface SampleEvent extends BaseEvent { type: 'sample'; step: number; prompt: string; text: string }
export interface TrainEndEvent extends BaseEvent { type: 'train_end'; step: number; epoch: number | null }
export type RunEvent = RunStartEvent | LogEvent | ProgressEvent | SampleEvent | TrainEndEvent;

/** One complete line of the file: its parsed event and the byte offset just past its '\n'. */
export interface ReadEvent { event: BaseEvent & Record<string, unknown>; line: string; end: number }

export interface ReadResult {
  events: ReadEvent[];
  /** where the next read starts: just past the last complete line */
  offset: number;
  /** complete lines that are not a JSON object with a string `type` (byte offset of each) */
  invalid: number[];
  /** true when the file is shorter than `offset` (rewritten by a new run): the read restarted at 0 */
  reset: boolean;
}

/** Reads at most this many bytes per call, so a huge file streams in pieces. */
const MAX_CHUNK = 4 << 20;

/**
 * The complete lines of `file` from byte `offset` on (at most ~4 MiB of them per call; call again
 * with the returned offset).  A file shorter than `offset` was rewritten: reading restarts at 0 and
 * `reset` is set.  A missing file reads as no events.
 */
export async function readEvents(file: string, offset = 0): Promise<ReadResult> {
  if (!Number.isSafeInteger(offset) || offset < 0) throw new RangeError(`readEvents(${file}): offset must be a byte count >= 0, got ${offset}`);
  let fh;
  try {
    fh = await open(file, 'r');
  } catch (e) {
    if ((e as NodeJS.ErrnoException).code === 'ENOENT') return { events: [], offset, invalid: [], reset: false };
    throw e;
  }
  try {
    const size = (await fh.stat()).size;
    const reset = size < offset;
    if (reset) offset = 0;
    const want = Math.min(size - offset, MAX_CHUNK);
    if (want <= 0) return { events: [], offset, invalid: [], reset };
    const buf = Buffer.alloc(want);
    const { bytesRead } = await fh.read(buf, 0, want, offset);
    const parsed = parseLines(buf.subarray(0, bytesRead), offset);
    // a single line longer than the chunk: read it whole rather than stall on it forever
    if (parsed.events.length === 0 && parsed.invalid.length === 0 && parsed.offset === offset && bytesRead === MAX_CHUNK) {
      const nl = await findNewline(fh, offset + bytesRead, size);
      if (nl >= 0) {
        const whole = Buffer.alloc(nl + 1 - offset);
        await fh.read(whole, 0, whole.length, offset);
        return { ...parseLines(whole, offset), reset };
      }
    }
    return { ...parsed, reset };
  } finally {
    await fh.close();
  }
}

async function findNewline(fh: Awaited<ReturnType<typeof open>>, from: number, size: number): Promise<number> {
  const buf = Buffer.alloc(1 << 16);
  for (let pos = from; pos < size; pos += buf.length) {
    const { bytesRead } = await fh.read(buf, 0, Math.min(buf.length, size - pos), pos);
    const i = buf.subarray(0, bytesRead).indexOf(10);
    if (i >= 0) return pos + i;
  }
  return -1;
}

/**
 * Splits bytes read from `base` into complete lines.  Splitting on the byte 0x0A is safe in UTF-8
 * (it never occurs inside a multi-byte character), so each line decodes on its own.
 */
export function parseLines(buf: Buffer, base: number): Omit<ReadResult, 'reset'> {
  const events: ReadEvent[] = [];
  const invalid: number[] = [];
  let start = 0;
  for (let nl = buf.indexOf(10); nl >= 0; start = nl + 1, nl = buf.indexOf(10, start)) {
    const line = buf.toString('utf8', start, nl).replace(/\r$/, '');
    if (line.trim() === '') continue;
    const event = parseEvent(line);
    if (event) events.push({ event, line, end: base + nl + 1 });
    else invalid.push(base + start);
  }
  return { events, offset: base + start, invalid };
}

function parseEvent(line: string): (BaseEvent & Record<string, unknown>) | null {
  try {
    const v = JSON.parse(line) as unknown;
    if (v === null || typeof v !== 'object' || Array.isArray(v) || typeof (v as { type?: unknown }).type !== 'string') return null;
    return v as BaseEvent & Record<string, unknown>;
  } catch {
    return null;
  }
}

/** Every complete event of `file`, in order (what a client that connects now gets first). */
export async function readAllEvents(file: string): Promise<ReadEvent[]> {
  const out: ReadEvent[] = [];
  let offset = 0;
  for (;;) {
    const r = await readEvents(file, offset);
    out.push(...r.events);
    if (r.offset === offset) return out;
    offset = r.offset;
  }
}
