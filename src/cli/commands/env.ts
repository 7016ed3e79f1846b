// env.ts — `tunekit env`: what a bug report needs (transformers-cli env's counterpart): the
// tunekit, Node and libtorch versions, the CPU threads libtorch uses, and the CUDA devices.
import { arch, cpus, platform, release } from 'node:os';
import { expectPositionals, flagsHelp, parseArgs, type FlagSpecs } from '../argv.js';
import { EXIT, type Command } from '../command.js';

const FLAGS: FlagSpecs = { json: { type: 'boolean', help: 'print one JSON object instead of lines' } };

/** The environment as key -> value (loads libtorch). */
export async function environment(): Promise<Record<string, string | number | boolean>> {
  const torch = await import('../../torch/index.js');
  const { version } = await import('../main.js');
  const cuda = torch.cuda.isAvailable();
  const out: Record<string, string | number | boolean> = {
    tunekit: version(), node: process.versions.node, platform: `${platform()} ${release()} (${arch()})`,
    libtorch: torch.version(), cpu_threads: torch.getNumThreads(), cpus: cpus().length,
    cuda_built: torch.cuda.isBuilt(), cuda_available: cuda, cuda_devices: cuda ? torch.cuda.deviceCount() : 0,
  };
  return out;
}

const command: Command = {
  name: 'env',
  summary: 'print versions (tunekit, Node, libtorch), threads and devices',
  help: `usage: tunekit env [--json]

Prints the tunekit, Node.js and libtorch versions, the CPU threads libtorch uses
(OMP_NUM_THREADS sets them) and whether CUDA is built in and which devices it sees.

flags:
${flagsHelp(FLAGS)}`,
  async run(argv) {
    const { positionals, flags } = parseArgs('env', argv, FLAGS);
    expectPositionals('env', positionals, []);
    const env = await environment();
    if (flags.json) console.log(JSON.stringify(env));
    else for (const [k, v] of Object.entries(env)) console.log(`${k}: ${v}`);
    return EXIT.OK;
  },
};
export default command;
