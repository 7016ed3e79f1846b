// dashboard.ts — `tunekit dashboard [runs dir]`: the live training dashboard (src/dashboard) on
// 127.0.0.1 for the runs under a folder, each a Trainer writing tunekit-events.jsonl
// (report_to: ['dashboard']).  Plain Node I/O, libtorch never loads.  Runs until SIGINT / SIGTERM,
// then closes and exits 130 (EXIT.INTERRUPTED), as `tunekit serve` does.
import { existsSync, statSync } from 'node:fs';
import { EXIT, UsageError, untilStopSignal, type Command } from '../command.js';
import { expectPositionals, flagsHelp, parseArgs, type FlagSpecs } from '../argv.js';

const FLAGS: FlagSpecs = {
  port: { type: 'number', help: 'port on 127.0.0.1; 0 picks a free one (the URL is printed)', default: 6007 },
  poll_ms: { type: 'number', help: 'how often the runs and their events files are polled besides file watching, in ms', default: 500 },
  max_depth: { type: 'number', help: 'how many folder levels below the runs folder are searched for runs', default: 3 },
};

const HELP = `usage: tunekit dashboard [runs dir] [--port <n>]

A live dashboard of training runs in the browser: every folder under <runs dir> (default: runs)
that holds a tunekit-events.jsonl is a run, the file a Trainer with report_to: ['dashboard'] (or a
DashboardCallback in its callbacks) appends to in its logging_dir, else its output_dir. The page
shows the runs, and for the one selected: loss / eval loss, learning rate, gradient norm and eval
metric curves, throughput, ETA, CUDA memory (when training on a GPU) and sample generations,
updated live through server-sent events as the run writes. It needs nothing from the network.

The server listens on 127.0.0.1 only (runs hold prompts and generations). To see it from another
machine: ssh -L 6007:127.0.0.1:6007 <host>, then open http://127.0.0.1:6007/ there.

arguments:
  [runs dir]   the folder to watch (default: runs)

flags:
${flagsHelp(FLAGS)}

examples:
  tunekit dashboard runs/
  tunekit dashboard out/ --port 0

It runs until interrupted (Ctrl-C / SIGTERM), then exits ${EXIT.INTERRUPTED}. See docs/observability.md.`;

function intFlag(flags: Record<string, unknown>, name: string, min: number, max = Number.MAX_SAFE_INTEGER): number {
  const v = flags[name];
  if (typeof v !== 'number' || !Number.isInteger(v) || v < min || v > max)
    throw new UsageError(`tunekit dashboard: --${name.replace(/_/g, '-')} must be an integer in [${min}, ${max === Number.MAX_SAFE_INTEGER ? '...' : max}], got ${String(v)}`);
  return v;
}

const dashboard: Command = {
  name: 'dashboard',
  summary: 'a live dashboard of training runs',
  help: HELP,
  async run(argv: string[]): Promise<number> {
    const { positionals, flags } = parseArgs('dashboard', argv, FLAGS);
    const [dir = 'runs'] = expectPositionals('dashboard', positionals, ['[runs dir]'], 1);
    if (!existsSync(dir)) throw new UsageError(`tunekit dashboard: runs folder '${dir}' does not exist (training with report_to: ['dashboard'] writes into its output_dir)`);
    if (!statSync(dir).isDirectory()) throw new UsageError(`tunekit dashboard: '${dir}' is not a folder`);
    const port = intFlag(flags, 'port', 0, 65535);
    const pollMs = intFlag(flags, 'poll_ms', 10);
    const maxDepth = intFlag(flags, 'max_depth', 0, 32);

    const { startDashboard, listRuns } = await import('../../dashboard/index.js');
    let d;
    try {
      d = await startDashboard({ runsDir: dir, port, pollMs, maxDepth });
    } catch (e) {
      // a taken port is the user's to change, not a crash
      if (/is in use/.test((e as Error).message)) throw new UsageError(`tunekit ${(e as Error).message}`);
      throw e;
    }
    const n = (await listRuns(dir, maxDepth)).length;
    console.log(`tunekit dashboard: ${n} run${n === 1 ? '' : 's'} under ${dir}, at ${d.url} (Ctrl-C stops)`);
    const signal = await untilStopSignal();
    console.log(`tunekit dashboard: ${signal}, closing`);
    await d.close();
    return EXIT.INTERRUPTED;
  },
};

export default dashboard;
