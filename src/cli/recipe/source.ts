// source.ts — a recipe file as the YAML parser sees it: the document with a line counter, so every
// error can name `file:line` of the key it is about, and the `--a.b value` overrides of the command
// line applied on top (an error about an overridden value names the flag instead of a line).
import { readFile } from 'node:fs/promises';
import { isMap, isScalar, isSeq, LineCounter, parse as parseYaml, parseDocument, type Document, type Node } from 'yaml';
import { UsageError } from '../command.js';

/** A path into the recipe: section, key, ... (list items by index). */
export type RecipePath = readonly (string | number)[];

/** An invalid recipe; the message starts with `file:line:` (or the override flag) and names the key. */
export class RecipeError extends UsageError {
  override name = 'RecipeError';
}

/** `a.b.c` of a path. */
export const dotted = (path: RecipePath): string => path.join('.');

/** One `--a.b value` override, as given. */
export interface Override { path: string[]; raw: string }

/**
 * A parsed recipe file.  `data` is the plain JS value of the document after the overrides; `where(path)`
 * says where the value at `path` came from, for messages.
 */
export class RecipeSource {
  readonly data: Record<string, unknown>;
  readonly #lines: LineCounter;
  readonly #doc: Document;
  readonly #overridden = new Map<string, string>();

  private constructor(readonly file: string, doc: Document, lines: LineCounter, overrides: readonly Override[]) {
    this.#doc = doc;
    this.#lines = lines;
    if (doc.contents === null) throw new RecipeError(`${file}: the recipe is empty (expected a mapping of sections: model, dataset, training_args, ...)`);
    if (!isMap(doc.contents)) throw new RecipeError(`${file}:${this.#lineOf(doc.contents as Node)}: the recipe must be a mapping of sections (model:, dataset:, training_args:, ...)`);
    for (const o of overrides) this.#apply(o);
    this.data = doc.toJS() as Record<string, unknown>;
  }

  /** Parses `text` (the contents of `file`); YAML syntax errors name the file, line and column. */
  static parse(file: string, text: string, overrides: readonly Override[] = []): RecipeSource {
    const lines = new LineCounter();
    const doc = parseDocument(text, { lineCounter: lines, prettyErrors: false, uniqueKeys: true });
    const err = doc.errors[0];
    if (err) {
      const pos = err.linePos?.[0] ?? lines.linePos(err.pos[0]);
      throw new RecipeError(`${file}:${pos.line}:${pos.col}: invalid YAML: ${err.message.split('\n')[0]}`);
    }
    return new RecipeSource(file, doc, lines, overrides);
  }

  /** Reads and parses a recipe file (a missing file is a usage error naming it). */
  static async read(file: string, overrides: readonly Override[] = []): Promise<RecipeSource> {
    let text: string;
    try {
      text = await readFile(file, 'utf8');
    } catch (e) {
      throw new RecipeError(`${file}: cannot read the recipe (${(e as NodeJS.ErrnoException).code ?? (e as Error).message})`);
    }
    return RecipeSource.parse(file, text, overrides);
  }

  /** `file:line` of the key at `path` (its value's line for list items), or `--flag` for an override. */
  where(path: RecipePath): string {
    for (let n = path.length; n > 0; n--) {
      const flag = this.#overridden.get(dotted(path.slice(0, n)));
      if (flag !== undefined) return flag;
    }
    const line = this.#keyLine(path);
    return line === null ? this.file : `${this.file}:${line}`;
  }

  /** A RecipeError at `path`: `file:line: a.b.c: message`. */
  error(path: RecipePath, message: string): RecipeError {
    return new RecipeError(`${this.where(path)}: ${path.length ? `${dotted(path)}: ` : ''}${message}`);
  }

  #lineOf(node: Node | null | undefined): number | null {
    const at = node?.range?.[0];
    return at === undefined ? null : this.#lines.linePos(at).line;
  }

  /** The line of the key of `path` (the closest enclosing key that exists). */
  #keyLine(path: RecipePath): number | null {
    let node: unknown = this.#doc.contents;
    let line = this.#lineOf(node as Node);
    for (const k of path) {
      if (isMap(node)) {
        const pair = node.items.find((p) => (isScalar(p.key) ? p.key.value : p.key) === k);
        if (!pair) return line;
        line = this.#lineOf(pair.key as Node) ?? line;
        node = pair.value;
      } else if (isSeq(node) && typeof k === 'number') {
        node = node.items[k];
        line = this.#lineOf(node as Node) ?? line;
      } else return line;
    }
    return line;
  }

  /** Sets the value at an override's path (YAML syntax for the value: `5`, `true`, `[a, b]`, `null`). */
  #apply(o: Override): void {
    const flag = `--${o.path.join('.')}`;
    let value: unknown;
    try {
      value = o.raw === '' ? '' : parseYaml(o.raw);
    } catch (e) {
      throw new RecipeError(`${flag}: the value ${JSON.stringify(o.raw)} is not valid YAML (${(e as Error).message.split('\n')[0]})`);
    }
    // a section the file lacks is created; a scalar on the way is an error (it would be replaced silently)
    for (let n = 1; n < o.path.length; n++) {
      const above = this.#doc.getIn(o.path.slice(0, n), true);
      if (above !== undefined && !isMap(above))
        throw new RecipeError(`${flag}: '${o.path.slice(0, n).join('.')}' is not a section in ${this.file}, it holds a value`);
    }
    this.#doc.setIn(o.path, this.#doc.createNode(value));
    this.#overridden.set(o.path.join('.'), flag);
  }
}
