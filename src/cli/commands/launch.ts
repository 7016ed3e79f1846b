// `tunekit launch`: torchrun's command line over src/distributed/launch.ts.
import { launch } from '../../distributed/launch.js';
import { EXIT, UsageError, type Command } from '../command.js';

const help = `Usage: tunekit launch --nproc-per-node N [--nnodes M --node-rank R --master-addr A --master-port P] script.ts [script args]

Starts N processes of script on this node with torchrun's environment (RANK, LOCAL_RANK, WORLD_SIZE,
LOCAL_WORLD_SIZE, MASTER_ADDR, MASTER_PORT, GROUP_RANK); the script calls initProcessGroup() (or a
Trainer / Accelerator does) and the ranks meet at MASTER_ADDR:MASTER_PORT.  Several machines: run the
same command on each with --nnodes M and its own --node-rank.  When a rank fails, the others are
stopped and the launcher names the failed rank.

Flags:
  --nproc-per-node N   processes on this node (required)
  --nnodes M           nodes in the job (default 1)
  --node-rank R        this node's index, 0..M-1 (default 0)
  --master-addr A      address of node 0, where rank 0 serves the rendezvous (default 127.0.0.1)
  --master-port P      its port (default 29500; 0 = a free port, one node only)
  --standalone         one node on 127.0.0.1 with a free port (torchrun --standalone)
  --grace S            seconds between SIGTERM and SIGKILL when stopping ranks (default 30)

Exit codes: 0 every rank succeeded; 1 a rank failed (named on stderr); 2 bad flags.`;

function parse(argv: string[]): Parameters<typeof launch>[0] {
  const o: Record<string, string> = {};
  let i = 0;
  let standalone = false;
  for (; i < argv.length; i++) {
    const a = argv[i]!;
    if (!a.startsWith('--')) break;
    if (a === '--standalone') { standalone = true; continue; }
    const [k, inline] = a.slice(2).split('=', 2) as [string, string | undefined];
    const key = k.replace(/_/g, '-');
    if (!['nproc-per-node', 'nnodes', 'node-rank', 'master-addr', 'master-port', 'grace'].includes(key)) throw new UsageError(`tunekit launch: unknown flag --${k} (see tunekit launch --help)`);
    const v = inline ?? argv[++i];
    if (v === undefined) throw new UsageError(`tunekit launch: --${k} needs a value`);
    o[key] = v;
  }
  const script = argv[i];
  if (!script) throw new UsageError('tunekit launch: no script given (tunekit launch --nproc-per-node N script.ts ...)');
  const num = (k: string): number | undefined => {
    if (o[k] === undefined) return undefined;
    const n = Number(o[k]);
    if (!Number.isInteger(n)) throw new UsageError(`tunekit launch: --${k} must be an integer, got '${o[k]}'`);
    return n;
  };
  const nproc = num('nproc-per-node');
  if (nproc === undefined) throw new UsageError('tunekit launch: --nproc-per-node is required');
  return {
    nproc_per_node: nproc, nnodes: num('nnodes'), node_rank: num('node-rank'),
    master_addr: standalone ? '127.0.0.1' : o['master-addr'], master_port: standalone ? 0 : num('master-port'),
    grace_s: num('grace'), script, args: argv.slice(i + 1),
  };
}

const command: Command = {
  name: 'launch',
  summary: 'run a script on several processes / machines (torchrun-style, c10d rendezvous)',
  help,
  async run(argv) {
    let opts;
    try {
      opts = parse(argv);
    } catch (e) {
      if (e instanceof UsageError) { process.stderr.write(e.message + '\n'); return EXIT.USAGE; }
      throw e;
    }
    try {
      const r = await launch(opts);
      return r.ok ? EXIT.OK : EXIT.FAILURE;
    } catch (e) {
      if (e instanceof RangeError) { process.stderr.write(`tunekit launch: ${e.message}\n`); return EXIT.USAGE; }
      throw e;
    }
  },
};
export default command;
