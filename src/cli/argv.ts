// argv.ts — the flags of one command: `--name value`, `--name=value`, booleans as `--name` (or
// `--no-name`), HF's snake_case names (a dash spelling `--max-new-tokens` is the same flag), and for
// recipe commands `--section.key value` overrides.  An unknown flag is a UsageError with the
// closest known name, as HfArgumentParser / argparse refuse one.
import { closestName } from '../utils/options.js';
import { UsageError } from './command.js';
import type { Override } from './recipe/source.js';

export interface FlagSpec {
  type: 'string' | 'number' | 'boolean';
  help: string;
  default?: string | number | boolean;
}
export type FlagSpecs = Readonly<Record<string, FlagSpec>>;

export interface ParsedArgs {
  positionals: string[];
  flags: Record<string, string | number | boolean | undefined>;
  /** `--a.b value` (only when the command takes overrides) */
  overrides: Override[];
}

/** Parses `argv` for command `cmd` (named in messages). `overrides`: accept `--section.key value`. */
export function parseArgs(cmd: string, argv: readonly string[], specs: FlagSpecs, opts: { overrides?: boolean } = {}): ParsedArgs {
  const out: ParsedArgs = { positionals: [], flags: {}, overrides: [] };
  for (const [k, s] of Object.entries(specs)) out.flags[k] = s.default;
  for (let i = 0; i < argv.length; i++) {
    const a = argv[i]!;
    if (a === '--') { out.positionals.push(...argv.slice(i + 1)); break; }
    if (!a.startsWith('--') || a === '--') {
      if (a.startsWith('-') && a.length > 1 && !/^-\d/.test(a)) throw new UsageError(`tunekit ${cmd}: unknown flag '${a}' (flags are spelled --name)`);
      out.positionals.push(a);
      continue;
    }
    const eq = a.indexOf('=');
    const rawName = a.slice(2, eq < 0 ? undefined : eq);
    let value: string | undefined = eq < 0 ? undefined : a.slice(eq + 1);
    const takeValue = (what: string): string => {
      if (value !== undefined) return value;
      const next = argv[i + 1];
      if (next === undefined || (next.startsWith('--') && next.length > 2)) throw new UsageError(`tunekit ${cmd}: ${what} needs a value`);
      i++;
      return next;
    };
    if (rawName.includes('.')) {
      if (!opts.overrides) throw new UsageError(`tunekit ${cmd}: unknown flag '--${rawName}' (this command takes no recipe overrides)`);
      const path = rawName.split('.');
      if (path.some((p) => p === '')) throw new UsageError(`tunekit ${cmd}: '--${rawName}' is not a valid key path (section.key)`);
      out.overrides.push({ path, raw: takeValue(`--${rawName}`) });
      continue;
    }
    let name = rawName.replace(/-/g, '_');
    let negated = false;
    if (!(name in specs) && name.startsWith('no_') && specs[name.slice(3)]?.type === 'boolean') { name = name.slice(3); negated = true; }
    const spec = specs[name];
    if (!spec) {
      const near = closestName(name, Object.keys(specs));
      const hint = near !== null ? ` — did you mean '--${near}'?` : Object.keys(specs).length ? ` (flags: ${Object.keys(specs).map((k) => `--${k}`).join(', ')})` : ' (it takes no flags)';
      const recipe = opts.overrides ? '; recipe keys are overridden as --section.key value' : '';
      throw new UsageError(`tunekit ${cmd}: unknown flag '--${rawName}'${hint}${recipe}`);
    }
    if (spec.type === 'boolean') {
      if (value !== undefined && !['true', 'false'].includes(value)) throw new UsageError(`tunekit ${cmd}: --${name} is a switch (true / false), got '${value}'`);
      out.flags[name] = negated ? false : value !== 'false';
      continue;
    }
    const v = takeValue(`--${name}`);
    if (spec.type === 'number') {
      const n = Number(v);
      if (v.trim() === '' || !Number.isFinite(n)) throw new UsageError(`tunekit ${cmd}: --${name} must be a number, got '${v}'`);
      out.flags[name] = n;
    } else out.flags[name] = v;
  }
  return out;
}

/** The positionals, checked for count: `names` lists them for the message (`<recipe.yaml>`). */
export function expectPositionals(cmd: string, got: readonly string[], names: readonly string[], optional = 0): string[] {
  const min = names.length - optional;
  if (got.length < min || got.length > names.length)
    throw new UsageError(`tunekit ${cmd}: expected ${names.join(' ')}, got ${got.length ? got.map((g) => `'${g}'`).join(' ') : 'nothing'} (see tunekit ${cmd} --help)`);
  return [...got];
}

/** The flags part of a command's --help, one line each. */
export function flagsHelp(specs: FlagSpecs): string {
  const rows = Object.entries(specs).map(([k, s]) => [`--${k}${s.type === 'boolean' ? '' : ` <${s.type === 'number' ? 'n' : 'value'}>`}`, `${s.help}${s.default !== undefined && s.type !== 'boolean' ? ` (default ${s.default})` : ''}`] as const);
  const w = Math.max(0, ...rows.map((r) => r[0].length));
  return rows.map(([a, b]) => `  ${a.padEnd(w)}  ${b}`).join('\n');
}
