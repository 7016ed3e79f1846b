// test/docs/doc-blocks.ts — the ```ts blocks of a markdown page as TypeScript modules, for
// test/docs/from-python.test.ts. The blocks of one `## ` section make one module, in order, so a later
// block may use what an earlier one defined. A block marked ```ts typecheck-only is a module of its own
// that is only type-checked. Each module keeps a line map back to the page, so a type error or a failed
// `// → value` check names the markdown line. Local paths in the blocks are relative to the repository
// root, and `../shared/` is rewritten to the shared folder in use.
import { mkdirSync, writeFileSync } from 'node:fs';
import { join, relative } from 'node:path';
import ts from 'typescript';

/** One fenced ```ts block. `line` is the 1-based markdown line of its first code line. */
export interface Block { section: string; typecheckOnly: boolean; code: string[]; line: number }

/** A generated module: its file, the blocks it holds, and markdown line of each of its lines. */
export interface DocModule {
  name: string;
  file: string;
  section: string;
  typecheckOnly: boolean;
  blocks: Block[];
  lineMap: number[];
  /** `// → value` comments in order: what the run must print, with the markdown line. */
  expected: { text: string; line: number }[];
}

const FENCE = /^```(.*)$/;

/**
 * Every ```ts block of `markdown` under its `## ` section. Info strings other than `ts` and
 * `ts typecheck-only` on a TypeScript fence are errors (so no block is skipped by a typo); blocks
 * of other languages are left alone.
 */
export function extractBlocks(markdown: string, file: string): Block[] {
  const lines = markdown.split('\n');
  const blocks: Block[] = [];
  let section = '(top)';
  for (let i = 0; i < lines.length; i++) {
    const heading = /^## (.+)$/.exec(lines[i]!);
    if (heading) { section = heading[1]!.trim(); continue; }
    const open = FENCE.exec(lines[i]!);
    if (!open) continue;
    const info = open[1]!.trim().split(/\s+/);
    const start = i + 1;
    let end = start;
    while (end < lines.length && lines[end] !== '```') end++;
    if (end === lines.length) throw new Error(`${file}:${i + 1}: the code fence is never closed`);
    const lang = info[0] ?? '';
    if (['typescript', 'tsx', 'mts', 'js', 'javascript'].includes(lang))
      throw new Error(`${file}:${i + 1}: write tunekit code as \`\`\`ts (or \`\`\`ts typecheck-only), not \`\`\`${lang}: other fences are not tested`);
    if (lang === 'ts') {
      const flags = info.slice(1);
      if (flags.length > 1 || (flags.length === 1 && flags[0] !== 'typecheck-only'))
        throw new Error(`${file}:${i + 1}: unknown annotation '${flags.join(' ')}' on a ts block (only 'typecheck-only' is known)`);
      blocks.push({ section, typecheckOnly: flags.length === 1, code: lines.slice(start, end), line: start + 1 });
    }
    i = end;
  }
  return blocks;
}

const slug = (s: string): string => s.toLowerCase().replace(/[^a-z0-9]+/g, '-').replace(/^-|-$/g, '');
/** `console.log(...); // → printed text` */
const EXPECT = /\/\/ → (.+)$/;

/**
 * Writes the modules of `blocks` into `dir`: one per section of runnable blocks, one per
 * typecheck-only block. `sharedDir` replaces the `../shared/` prefix of paths in string literals.
 */
export function writeModules(blocks: Block[], dir: string, sharedDir: string): DocModule[] {
  mkdirSync(dir, { recursive: true });
  const groups: { section: string; typecheckOnly: boolean; blocks: Block[] }[] = [];
  for (const b of blocks) {
    const last = groups.at(-1);
    if (!b.typecheckOnly && last && !last.typecheckOnly && last.section === b.section) last.blocks.push(b);
    else groups.push({ section: b.section, typecheckOnly: b.typecheckOnly, blocks: [b] });
  }
  const seen = new Map<string, number>();
  return groups.map((g, k) => {
    const base = `${String(k + 1).padStart(2, '0')}-${slug(g.section)}${g.typecheckOnly ? '-typecheck-only' : ''}`;
    const n = (seen.get(base) ?? 0) + 1;
    seen.set(base, n);
    const name = n > 1 ? `${base}-${n}` : base;
    const out: string[] = [];
    const lineMap: number[] = [];
    const expected: DocModule['expected'] = [];
    for (const b of g.blocks) {
      b.code.forEach((l, j) => {
        out.push(l.replace(/(['"`])\.\.\/shared\//g, (_m, q: string) => `${q}${sharedDir}/`));
        lineMap.push(b.line + j);
        const e = EXPECT.exec(l);
        if (e) expected.push({ text: e[1]!.trim(), line: b.line + j });
      });
    }
    out.push('export {};'); // a module even without imports (top-level await)
    lineMap.push(g.blocks.at(-1)!.line + g.blocks.at(-1)!.code.length);
    const file = join(dir, `${name}.ts`);
    writeFileSync(file, out.join('\n') + '\n');
    return { name, file, section: g.section, typecheckOnly: g.typecheckOnly, blocks: g.blocks, lineMap, expected };
  });
}

/**
 * Type-checks the modules with the repository's compiler options (tsconfig.json: strict,
 * noUncheckedIndexedAccess, NodeNext). `tunekit` resolves to this package through package.json's
 * "exports" (the modules lie inside the repository). Returns the errors in the modules, as
 * `docs/from-python.md:LINE: TSnnnn message`; errors elsewhere (src) are the project typecheck's job.
 */
export function typecheck(modules: DocModule[], repoRoot: string, docFile: string): string[] {
  const configPath = join(repoRoot, 'tsconfig.json');
  const read = ts.readConfigFile(configPath, ts.sys.readFile);
  if (read.error) throw new Error(ts.flattenDiagnosticMessageText(read.error.messageText, '\n'));
  const parsed = ts.parseJsonConfigFileContent(read.config, ts.sys, repoRoot, { noEmit: true }, configPath);
  const program = ts.createProgram(modules.map((m) => m.file), parsed.options);
  const byFile = new Map(modules.map((m) => [m.file, m]));
  const errors: string[] = [];
  for (const d of ts.getPreEmitDiagnostics(program)) {
    const m = d.file ? byFile.get(d.file.fileName) : undefined;
    const text = ts.flattenDiagnosticMessageText(d.messageText, '\n');
    if (!d.file) { errors.push(`TS${d.code} ${text}`); continue; }
    if (!m) continue;
    const { line } = d.file.getLineAndCharacterOfPosition(d.start ?? 0);
    errors.push(`${docFile}:${m.lineMap[line] ?? '?'}: TS${d.code} ${text} (${relative(repoRoot, m.file)}:${line + 1})`);
  }
  return errors;
}
