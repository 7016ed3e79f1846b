// main.ts — the `tunekit` dispatcher (bin/tunekit.mjs runs it under tsx).  Commands are a table of
// name -> module file under ./commands; a module is imported (with a computed path, so each command
// type-checks on its own) only when its command runs or its --help is asked for, so `tunekit --help`
// never loads libtorch.  Exit codes: src/cli/command.ts EXIT.
import { existsSync, readFileSync } from 'node:fs';
import { fileURLToPath, pathToFileURL } from 'node:url';
import { closestName } from '../utils/options.js';
import { EXIT, UsageError, type Command } from './command.js';

/** One row of the command table: the module under src/cli/commands/ and the line `tunekit --help` shows. */
interface Entry { file: string; summary: string }

/** Every command, in the order `tunekit --help` lists them. */
export const COMMANDS: Readonly<Record<string, Entry>> = {
  train: { file: 'train.ts', summary: 'fine-tune with the Trainer from a YAML recipe (text / token classification, QA, masked LM)' },
  sft: { file: 'sft.ts', summary: "supervised fine-tuning of a causal LM (TRL's SFTTrainer, optional LoRA) from a recipe" },
  seq2seq: { file: 'seq2seq.ts', summary: 'text-to-text fine-tuning of T5 (Seq2SeqTrainer, optional LoRA) from a recipe' },
  eval: { file: 'eval.ts', summary: "evaluate a model on a recipe's evaluation split (a recipe, or a trained output folder)" },
  generate: { file: 'generate.ts', summary: 'generate text from a model folder (optionally with a LoRA adapter)' },
  merge: { file: 'merge.ts', summary: 'merge a LoRA adapter into its base model and save a full checkpoint' },
  launch: { file: 'launch.ts', summary: 'run a command on several processes / GPUs (distributed training)' },
  serve: { file: 'serve.ts', summary: 'serve a model over an OpenAI-compatible HTTP API' },
  dashboard: { file: 'dashboard.ts', summary: 'a live dashboard of training runs' },
  env: { file: 'env.ts', summary: 'print versions (tunekit, Node, libtorch), threads and devices' },
};

const commandsDir = new URL('./commands/', import.meta.url);

/** The package version (package.json next to src/). */
export function version(): string {
  const pkg = JSON.parse(readFileSync(fileURLToPath(new URL('../../package.json', import.meta.url)), 'utf8')) as { version: string };
  return pkg.version;
}

/** `tunekit --help`. */
export function mainHelp(): string {
  const w = Math.max(...Object.keys(COMMANDS).map((k) => k.length));
  return [
    'usage: tunekit <command> [arguments] [--flags]',
    '',
    'Fine-tuning of transformer models on libtorch, the Hugging Face workflow from the command line.',
    '',
    'commands:',
    ...Object.entries(COMMANDS).map(([k, e]) => `  ${k.padEnd(w)}  ${e.summary}`),
    '',
    'tunekit <command> --help    the command\'s arguments, flags and examples',
    'tunekit --version           the tunekit version',
    '',
    `exit codes: ${EXIT.OK} done, ${EXIT.FAILURE} failed while running, ${EXIT.USAGE} could not start (unknown command or flag, invalid recipe, missing file), ${EXIT.INTERRUPTED} interrupted`,
    'recipes and flags: docs/cli.md',
  ].join('\n');
}

/** The command module of `name`; a UsageError for an unknown name, an Error when its module is not there. */
export async function loadCommand(name: string): Promise<Command> {
  const entry = Object.hasOwn(COMMANDS, name) ? COMMANDS[name]! : undefined;
  if (!entry) {
    const near = closestName(name, Object.keys(COMMANDS));
    throw new UsageError(`unknown command '${name}'${near ? ` — did you mean '${near}'?` : ''} (tunekit --help lists the commands)`);
  }
  const url = new URL(entry.file, commandsDir);
  if (!existsSync(fileURLToPath(url))) throw new MissingCommandError(`the '${name}' command is not available in this build of tunekit (its module src/cli/commands/${entry.file} is missing)`);
  const mod = (await import(pathToFileURL(fileURLToPath(url)).href)) as { default?: Command };
  const cmd = mod.default;
  if (!cmd || typeof cmd.run !== 'function') throw new Error(`src/cli/commands/${entry.file} does not export a Command as its default export`);
  return cmd;
}

/** A command listed in the table whose module is not there (exit 1: the install is incomplete, not the call). */
export class MissingCommandError extends Error {
  override name = 'MissingCommandError';
}

const wantsHelp = (argv: readonly string[]): boolean => {
  const end = argv.indexOf('--');
  return (end < 0 ? argv : argv.slice(0, end)).some((a) => a === '--help' || a === '-h');
};

/** Runs `tunekit <argv>`: prints what it has to say and resolves to the exit code. */
export async function main(argv: readonly string[], io: { out: (s: string) => void; err: (s: string) => void } = defaultIo): Promise<number> {
  const [first, ...rest] = argv;
  if (first === undefined || first === '--help' || first === '-h' || first === 'help') {
    if (first === 'help' && rest[0] !== undefined) return main([rest[0], '--help'], io);
    io.out(mainHelp());
    return first === undefined ? EXIT.USAGE : EXIT.OK;
  }
  if (first === '--version' || first === '-V') {
    io.out(version());
    return EXIT.OK;
  }
  if (first.startsWith('-')) {
    io.err(`tunekit: unknown flag '${first}' (tunekit --help, tunekit --version; command flags go after the command)`);
    return EXIT.USAGE;
  }
  let cmd: Command;
  try {
    cmd = await loadCommand(first);
  } catch (e) {
    io.err(`tunekit: ${(e as Error).message}`);
    return e instanceof UsageError ? EXIT.USAGE : EXIT.FAILURE;
  }
  if (wantsHelp(rest)) {
    io.out(cmd.help);
    return EXIT.OK;
  }
  try {
    return await cmd.run([...rest]);
  } catch (e) {
    if (e instanceof UsageError) {
      io.err(`tunekit ${first}: ${e.message.replace(new RegExp(`^tunekit ${first}: `), '')}`);
      return EXIT.USAGE;
    }
    const err = e as Error;
    io.err(`tunekit ${first}: ${err?.message ?? String(e)}${process.env.TUNEKIT_DEBUG ? `\n${err?.stack ?? ''}` : ''}`);
    return EXIT.FAILURE;
  }
}

const defaultIo = { out: (s: string) => console.log(s), err: (s: string) => console.error(s) };
