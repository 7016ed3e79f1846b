// The contract every `tunekit <command>` module keeps.  The dispatcher (src/cli/main.ts) loads a
// command's module only when that command runs, so `tunekit --help` and light commands never load
// libtorch, and each command lives in its own file under src/cli/commands/.

/** Exit codes scripts can rely on (documented in `tunekit --help`). */
export const EXIT = {
  /** the command did what it was asked */
  OK: 0,
  /** it ran and failed (training diverged, a file could not be written, a rank died, ...) */
  FAILURE: 1,
  /** it could not start: unknown command or flag, invalid recipe, missing file (the message names it) */
  USAGE: 2,
  /** interrupted by SIGINT / SIGTERM (128 + SIGINT, as shells report it) */
  INTERRUPTED: 130,
} as const;

/** One `tunekit <name>` command: the default export of src/cli/commands/<name>.ts. */
export interface Command {
  /** the word after `tunekit` */
  readonly name: string;
  /** one line for `tunekit --help` */
  readonly summary: string;
  /** the full text of `tunekit <name> --help` (usage, arguments, flags, examples) */
  readonly help: string;
  /** runs with the arguments after the command's name; resolves to an exit code from EXIT */
  run(argv: string[]): Promise<number>;
}

/** An error whose message is for the user as it stands (no stack): bad flags, invalid recipes, missing files. */
export class UsageError extends Error {
  override name = 'UsageError';
}

/** Resolves with the signal when the process gets SIGINT or SIGTERM (long-running commands: serve, dashboard). */
export function untilStopSignal(): Promise<NodeJS.Signals> {
  return new Promise<NodeJS.Signals>((resolve) => {
    process.once('SIGINT', () => resolve('SIGINT'));
    process.once('SIGTERM', () => resolve('SIGTERM'));
  });
}
