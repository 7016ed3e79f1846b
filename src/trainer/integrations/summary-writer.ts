// summary-writer.ts — a TensorBoard event-file writer with torch.utils.tensorboard.SummaryWriter's
// file layout and records (which itself uses tensorboard/summary/writer/event_file_writer.py): one
// file `events.out.tfevents.<unix secs>.<hostname>.<pid>.<n>` per writer, first event
// file_version "brain.Event:2", scalars as simple_value, text as the 'text' plugin's tensor.
import { appendFileSync, mkdirSync, writeFileSync } from 'node:fs';
import { hostname } from 'node:os';
import { join } from 'node:path';
import { encodeEvent, frameRecord, type SummaryValue, type TensorBoardEvent } from './event-file.js';

/** Per-process counter of event files (TensorBoard's _global_uid), the last part of the file name. */
let globalUid = 0;

/** The name TensorBoard's EventFileWriter gives a new event file (without the folder). */
export function eventFileName(wallTime: number, suffix = ''): string {
  return `events.out.tfevents.${String(Math.floor(wallTime)).padStart(10, '0')}.${hostname()}.${process.pid}.${globalUid++}${suffix}`;
}

const now = (): number => Date.now() / 1000;

/**
 * Writes one TensorBoard event file in `logDir` (created if missing).  Events are buffered and
 * appended to the file by flush() (close() flushes too); writes are synchronous, as Trainer
 * events are.  Text goes under `<tag>/text_summary`, as torch's add_text names it, so runs
 * written by HF's TensorBoardCallback and by tunekit show the same tags.
 * @example
 * const w = new SummaryWriter('runs/exp1');
 * w.addScalar('train/loss', 0.693, 10);
 * w.addText('samples', 'Once upon a time', 10);
 * w.close();
 */
export class SummaryWriter {
  readonly logDir: string;
  /** The event file's full path. */
  readonly path: string;
  private pending: Buffer[] = [];
  private closed = false;

  constructor(logDir: string, opts: { filenameSuffix?: string } = {}) {
    if (typeof logDir !== 'string' || logDir === '') throw new TypeError(`SummaryWriter: logDir must be a non-empty string, got ${JSON.stringify(logDir)}`);
    this.logDir = logDir;
    const t = now();
    mkdirSync(logDir, { recursive: true });
    this.path = join(logDir, eventFileName(t, opts.filenameSuffix));
    // 'wx': a writer never appends to another writer's file
    writeFileSync(this.path, frameRecord(encodeEvent({ wallTime: t, step: 0, fileVersion: 'brain.Event:2', sourceWriter: 'tunekit' })), { flag: 'wx' });
  }

  /** Queues one event (see TensorBoardEvent); written at the next flush(). */
  addEvent(ev: TensorBoardEvent): void {
    if (this.closed) throw new Error(`SummaryWriter: ${this.path} is closed`);
    this.pending.push(frameRecord(encodeEvent(ev)));
  }
  /** A scalar (stored as float32, as TensorBoard stores it) at `step`. */
  addScalar(tag: string, value: number, step = 0, wallTime = now()): void {
    checkTag(tag);
    if (typeof value !== 'number') throw new TypeError(`SummaryWriter.addScalar: '${tag}' needs a number, got ${typeof value}`);
    this.addEvent({ wallTime, step: checkStep(tag, step), summary: [{ tag, simpleValue: value }] });
  }
  /** A text (markdown in TensorBoard's Text tab) at `step`, under the tag `<tag>/text_summary`. */
  addText(tag: string, text: string, step = 0, wallTime = now()): void {
    checkTag(tag);
    if (typeof text !== 'string') throw new TypeError(`SummaryWriter.addText: '${tag}' needs a string, got ${typeof text}`);
    const v: SummaryValue = { tag: `${tag}/text_summary`, strings: [text], pluginName: 'text' };
    this.addEvent({ wallTime, step: checkStep(tag, step), summary: [v] });
  }
  /** Appends the queued events to the file. */
  flush(): void {
    if (!this.pending.length) return;
    appendFileSync(this.path, Buffer.concat(this.pending));
    this.pending = [];
  }
  /** Flushes; later writes are errors (open a new SummaryWriter, as torch's close() ends a file). */
  close(): void {
    if (this.closed) return;
    this.flush();
    this.closed = true;
  }
  get isClosed(): boolean { return this.closed; }
}

function checkTag(tag: string): void {
  if (typeof tag !== 'string' || tag === '') throw new TypeError(`SummaryWriter: a tag must be a non-empty string, got ${JSON.stringify(tag)}`);
}
function checkStep(tag: string, step: number): number {
  if (!Number.isSafeInteger(step)) throw new RangeError(`SummaryWriter: step of '${tag}' must be an integer, got ${step}`);
  return step;
}
