// examples/common/cli.ts — the command line of the tutorial ports: `--kebab-case value` flags with
// typed defaults (number, string, boolean; null = an optional string), `--help`, unknown flags
// rejected.  Mirrors the role of HF's HfArgumentParser in the example scripts, without the dataclasses.
import { parseArgs } from 'node:util';

/** Flag defaults by camelCase name: the type of each default is the flag's type (null: optional string). */
export type FlagSpec = Record<string, number | string | boolean | null>;
/** Parsed flags: numbers, strings and booleans as in the spec; null defaults become string | null. */
export type Flags<S extends FlagSpec> = { [K in keyof S]: S[K] extends null ? string | null : S[K] extends number ? number : S[K] extends boolean ? boolean : string };

const kebab = (s: string): string => s.replace(/[A-Z]/g, (c) => `-${c.toLowerCase()}`);

/**
 * Parses `argv` (default process.argv.slice(2)) against `spec`.  `--help` prints `usage` and the
 * flags with their defaults, then exits 0; a bad or unknown flag prints the same and exits 2.
 * @example const f = parseFlags({ epochs: 3, model: null, labelAllTokens: false }, 'node --import tsx examples/ner.ts');
 */
export function parseFlags<S extends FlagSpec>(spec: S, usage: string, argv: string[] = process.argv.slice(2)): Flags<S> {
  const options: Record<string, { type: 'string' | 'boolean' }> = { help: { type: 'boolean' } };
  for (const [k, v] of Object.entries(spec)) options[kebab(k)] = { type: typeof v === 'boolean' ? 'boolean' : 'string' };
  const help = (): string => [usage, 'flags:', ...Object.entries(spec).map(([k, v]) =>
    `  --${kebab(k)}${typeof v === 'boolean' ? '' : ` <${v === null ? 'string' : typeof v}>`}  (default: ${v === null ? 'none' : String(v)})`)].join('\n');
  const fail = (msg: string): never => {
    console.error(`${msg}\n${help()}`);
    process.exit(2);
  };
  let values: Record<string, string | boolean | undefined>;
  try {
    values = parseArgs({ args: argv, options, strict: true, allowPositionals: false }).values as Record<string, string | boolean | undefined>;
  } catch (e) {
    return fail((e as Error).message);
  }
  if (values.help) {
    console.log(help());
    process.exit(0);
  }
  const out: Record<string, unknown> = {};
  for (const [k, def] of Object.entries(spec)) {
    const raw = values[kebab(k)];
    if (raw === undefined) out[k] = def;
    else if (typeof def === 'number') {
      const n = Number(raw);
      if (raw === '' || !Number.isFinite(n)) fail(`--${kebab(k)} must be a number, got '${String(raw)}'`);
      out[k] = n;
    } else out[k] = raw;
  }
  return out as Flags<S>;
}
