// Refuses tokenizer.json regexes that can make Oniguruma backtrack without bound.
//
// HF tokenizers runs `{"Regex": ...}` patterns (Replace normalizers and decoders, Split
// pre-tokenizers) with Oniguruma. When one match attempt backtracks more than 10,000,000 times
// Oniguruma stops with "retry-limit-in-match over", the Rust binding panics in a thread that cannot
// unwind, and the whole Node process aborts. `(a+)+$` does that on ~40 characters; `a*a*$` on
// ~5,000. So patterns are checked when tokenizer.json is loaded.
//
// The check (no npm analyser fits: see test/tokenizers/redos.test.ts for the reasons) works on the
// position (Glushkov) automaton of the pattern, built with edge multiplicities so that two
// different ways through the pattern that read the same text stay two paths, as they are for a
// backtracking engine:
//  - "safe" positions are those after which the match can end with no further character and no
//    assertion in the way. Once the engine reaches one, the attempt succeeds without returning to
//    anything before it, so ambiguity that only ends in safe positions costs nothing (this is what
//    makes `\s*[\r\n]+` or `[\p{Lu}]*[\p{Ll}]+` in real pre-tokenizers harmless). They are removed.
//  - among the other positions the pattern is refused if it is exponentially ambiguous (a position
//    with two different loops through it on the same text: `(a+)+`, `(a|a)*`, `(\w+\s?)+` before
//    something that can fail) or polynomially ambiguous (two loops that can share text and a path
//    from one to the other: `a*a*$`, `\s*\s*x`), or if more than MAX_ROUTES routes that can read
//    the same text converge on one point (`(a|a)(a|a)...` written out).
// Look-aheads are side branches the engine enters (so `\s*(?=\s*x)` counts as two loops), counted
// repetitions `x{n,m}` with m > 1 count as loops, and `(?i)` widens every set by its case variants:
// all of these only add paths, so the check stays conservative.
import { parseOnigPattern, intersect, intersects, RegexParseError, union, type CodeSet, type RegexNode } from './onig-regex.js';

/** Routes that can read the same text into one point of the non-safe part of a pattern, above which it is refused. */
export const MAX_ROUTES = 256;
/** Character positions above which a pattern is refused as too large to check. */
export const MAX_POSITIONS = 5000;
/** Analysis steps above which a pattern is refused as too complex to check. */
export const MAX_ANALYSIS_STEPS = 5_000_000;

class TooComplex extends Error {}

interface Frag { first: Map<number, number>; last: Map<number, number>; nul: number; cleanNul: boolean; cleanLast: Set<number> }
interface Loop { at: number; end: number; lo: number; hi: number }

const cap = (n: number) => Math.min(2, n);

class Automaton {
  /** Character set of each position; position 0 is the start and reads nothing. */
  readonly sets: CodeSet[] = [[]];
  readonly edges: Array<Map<number, number>> = [new Map()];
  /** The repetitions (max > 1), with the range of positions inside each. */
  readonly loops: Loop[] = [];
  /** For each edge `from * K + to` that a loop closes, the loops that close it. */
  readonly loopEdges = new Map<number, number[]>();
  steps = 0;

  tick(n = 1): void {
    this.steps += n;
    if (this.steps > MAX_ANALYSIS_STEPS) throw new TooComplex();
  }

  private addEdges(from: Map<number, number>, to: Map<number, number>, mult: number, loop?: number): void {
    this.tick(from.size * to.size);
    for (const [i, a] of from) {
      const out = this.edges[i]!;
      for (const [j, b] of to) {
        out.set(j, cap((out.get(j) ?? 0) + a * b * mult));
        if (loop !== undefined) {
          const key = i * 1e6 + j;
          const list = this.loopEdges.get(key) ?? [];
          list.push(loop);
          this.loopEdges.set(key, list);
        }
      }
    }
  }

  build(node: RegexNode): Frag {
    this.tick();
    switch (node.t) {
      case 'set': {
        const id = this.sets.length;
        if (id > MAX_POSITIONS) throw new TooComplex();
        this.sets.push(node.set);
        this.edges.push(new Map());
        return { first: new Map([[id, 1]]), last: new Map([[id, 1]]), nul: 0, cleanNul: false, cleanLast: new Set([id]) };
      }
      case 'empty':
        return { first: new Map(), last: new Map(), nul: 1, cleanNul: true, cleanLast: new Set() };
      case 'assert':
        return { first: new Map(), last: new Map(), nul: 1, cleanNul: false, cleanLast: new Set() };
      case 'look': {
        // Passed through as an assertion; the body is a branch entered from here that never
        // rejoins the match (what follows it is reached through the pass-through).
        const body = this.build(node.body);
        return { first: new Map(body.first), last: new Map(), nul: 1, cleanNul: false, cleanLast: new Set() };
      }
      case 'seq': {
        let acc: Frag = { first: new Map(), last: new Map(), nul: 1, cleanNul: true, cleanLast: new Set() };
        for (const item of node.items) {
          const b = this.build(item);
          this.addEdges(acc.last, b.first, 1);
          const first = new Map(acc.first);
          if (acc.nul > 0) for (const [j, m] of b.first) first.set(j, cap((first.get(j) ?? 0) + acc.nul * m));
          const last = new Map(b.last);
          if (b.nul > 0) for (const [j, m] of acc.last) last.set(j, cap((last.get(j) ?? 0) + b.nul * m));
          acc = {
            first, last, nul: cap(acc.nul * b.nul), cleanNul: acc.cleanNul && b.cleanNul,
            cleanLast: b.cleanNul ? new Set([...b.cleanLast, ...acc.cleanLast]) : b.cleanLast,
          };
        }
        return acc;
      }
      case 'alt': {
        const acc: Frag = { first: new Map(), last: new Map(), nul: 0, cleanNul: false, cleanLast: new Set() };
        for (const item of node.items) {
          const b = this.build(item);
          for (const [j, m] of b.first) acc.first.set(j, cap((acc.first.get(j) ?? 0) + m));
          for (const [j, m] of b.last) acc.last.set(j, cap((acc.last.get(j) ?? 0) + m));
          acc.nul = cap(acc.nul + b.nul);
          acc.cleanNul ||= b.cleanNul;
          for (const j of b.cleanLast) acc.cleanLast.add(j);
          this.tick(b.first.size + b.last.size);
        }
        return acc;
      }
      case 'rep': {
        if (node.max === 0) return { first: new Map(), last: new Map(), nul: 1, cleanNul: true, cleanLast: new Set() };
        const lo = this.sets.length;
        const b = this.build(node.body);
        if (node.max === 1) {
          if (node.min === 1) return b;
          return { first: b.first, last: b.last, nul: cap(1 + b.nul), cleanNul: true, cleanLast: b.cleanLast };
        }
        const loop = this.loops.length;
        this.loops.push({ at: node.at, end: node.end, lo, hi: this.sets.length });
        this.addEdges(b.last, b.first, 1, loop);
        const optional = node.min === 0;
        return { first: b.first, last: b.last, nul: optional ? cap(1 + b.nul) : b.nul, cleanNul: optional || b.cleanNul, cleanLast: b.cleanLast };
      }
    }
  }
}

/** Strongly connected components (iterative Tarjan) of `nodes` under `succ`, in reverse topological order. */
function sccs(nodes: number[], succ: (v: number) => number[], tick: () => void): number[][] {
  const index = new Map<number, number>(), low = new Map<number, number>(), onStack = new Set<number>();
  const stack: number[] = [], out: number[][] = [];
  let counter = 0;
  for (const root of nodes) {
    if (index.has(root)) continue;
    const work: Array<{ v: number; next: number[]; k: number }> = [];
    const open = (v: number) => {
      index.set(v, counter);
      low.set(v, counter++);
      stack.push(v);
      onStack.add(v);
      work.push({ v, next: succ(v), k: 0 });
    };
    open(root);
    while (work.length > 0) {
      const top = work[work.length - 1]!;
      if (top.k < top.next.length) {
        tick();
        const w = top.next[top.k++]!;
        if (!index.has(w)) open(w);
        else if (onStack.has(w)) low.set(top.v, Math.min(low.get(top.v)!, index.get(w)!));
        continue;
      }
      work.pop();
      if (work.length > 0) {
        const parent = work[work.length - 1]!.v;
        low.set(parent, Math.min(low.get(parent)!, low.get(top.v)!));
      }
      if (low.get(top.v) === index.get(top.v)) {
        const comp: number[] = [];
        let w: number;
        do {
          w = stack.pop()!;
          onStack.delete(w);
          comp.push(w);
        } while (w !== top.v);
        out.push(comp);
      }
    }
  }
  return out;
}

/** The most routes that can carry one character: the largest sum over routes whose sets share a code point. */
function convergent(arrivals: Array<[number, CodeSet]>, tick: () => void): number {
  if (arrivals.length <= 1) return arrivals[0]?.[0] ?? 0;
  const events: Array<[number, number]> = [];
  for (const [routes, set] of arrivals)
    for (let i = 0; i < set.length; i += 2) {
      tick();
      events.push([set[i]!, routes], [set[i + 1]!, -routes]);
    }
  events.sort((x, y) => x[0] - y[0] || x[1] - y[1]);
  let sum = 0, best = 0;
  for (const [, d] of events) {
    sum += d;
    best = Math.max(best, sum);
  }
  return best;
}

function quote(pattern: string, loop: Loop): string {
  return `${JSON.stringify(pattern.slice(loop.at, loop.end))} (offset ${loop.at})`;
}

/** The innermost repetition holding every position of `positions`. */
function loopAround(a: Automaton, positions: number[]): Loop | undefined {
  let best: Loop | undefined;
  for (const l of a.loops)
    if (positions.every((p) => p >= l.lo && p < l.hi) && (!best || l.hi - l.lo < best.hi - best.lo)) best = l;
  return best;
}

/**
 * Why `pattern` (Oniguruma syntax) can backtrack super-linearly, or null when it cannot.
 * @example regexBacktrackingRisk('(a+)+$') // 'the repetition "(a+)+" (offset 0) can match the same text in exponentially many ways ...'
 */
export function regexBacktrackingRisk(pattern: string): string | null {
  let tree: RegexNode;
  try {
    tree = parseOnigPattern(pattern);
  } catch (e) {
    if (e instanceof RegexParseError) return `it could not be parsed (${e.message}), and tunekit only loads regexes it can check`;
    if (e instanceof RangeError) return 'it is nested too deeply to check';
    throw e;
  }
  const a = new Automaton();
  try {
    return analyse(a, a.build(tree), pattern);
  } catch (e) {
    if (e instanceof TooComplex || e instanceof RangeError)
      return `it is too large or complex to check (more than ${MAX_POSITIONS} character positions or ${MAX_ANALYSIS_STEPS} analysis steps)`;
    throw e;
  }
}

function analyse(a: Automaton, root: Frag, pattern: string): string | null {
  const n = a.sets.length;
  for (const [j, m] of root.first) a.edges[0]!.set(j, cap((a.edges[0]!.get(j) ?? 0) + m));
  const safe = root.cleanLast;
  // Reachable positions (through safe ones too: the engine explores on from them before succeeding).
  const reachable = new Set<number>([0]);
  const queue = [0];
  while (queue.length > 0) {
    const v = queue.pop()!;
    for (const w of a.edges[v]!.keys()) {
      a.tick();
      if (!reachable.has(w) && a.sets[w]!.length > 0) {
        reachable.add(w);
        queue.push(w);
      }
    }
  }
  const active = (v: number) => v !== 0 && reachable.has(v) && !safe.has(v);
  const succ: number[][] = Array.from({ length: n }, (_, v) => [...a.edges[v]!.keys()].filter(active));
  const nodes = [...reachable].filter(active);
  const tick = () => a.tick();
  const comps = sccs(nodes, (v) => succ[v]!, tick);
  const compOf = new Map<number, number>();
  comps.forEach((c, k) => c.forEach((v) => compOf.set(v, k)));
  const nontrivial = comps.map((c) => c.length > 1 || succ[c[0]!]!.includes(c[0]!));

  const interCache = new Map<number, CodeSet>();
  const inter = (x: number, y: number): CodeSet => {
    const key = Math.min(x, y) * n + Math.max(x, y);
    let s = interCache.get(key);
    if (s === undefined) {
      a.tick();
      s = intersect(a.sets[x]!, a.sets[y]!);
      interCache.set(key, s);
    }
    return s;
  };

  // Exponential ambiguity: in the square of a component, a cycle through (p, p) that leaves the
  // diagonal or takes two parallel edges.
  for (let k = 0; k < comps.length; k++) {
    if (!nontrivial[k]) continue;
    const c = comps[k]!, size = c.length;
    const idx = new Map(c.map((v, i) => [v, i]));
    const pairSucc = (pair: number): number[] => {
      const x = c[Math.floor(pair / size)]!, y = c[pair % size]!;
      const out: number[] = [];
      for (const x2 of succ[x]!) {
        if (!idx.has(x2)) continue;
        for (const y2 of succ[y]!) {
          if (!idx.has(y2)) continue;
          if (inter(x2, y2).length > 0) out.push(idx.get(x2)! * size + idx.get(y2)!);
        }
      }
      return out;
    };
    const diagonals = c.map((_, i) => i * size + i);
    for (const comp of sccs(diagonals, pairSucc, tick)) {
      const members = new Set(comp);
      const diag = comp.filter((p) => Math.floor(p / size) === p % size).map((p) => c[p % size]!);
      if (diag.length === 0) continue;
      let split = comp.some((p) => Math.floor(p / size) !== p % size);
      if (!split) {
        for (const x of diag)
          for (const [y, m] of a.edges[x]!) if (m >= 2 && idx.has(y) && members.has(idx.get(y)! * size + idx.get(y)!)) split = true;
      }
      if (!split) continue;
      const states = [...new Set(comp.flatMap((p) => [c[Math.floor(p / size)]!, c[p % size]!]))];
      // Name the outermost loop that closes an edge between these states, else the innermost around them.
      let culprit: Loop | undefined;
      for (const x of states) for (const y of states) for (const l of a.loopEdges.get(x * 1e6 + y) ?? []) {
        const loop = a.loops[l]!;
        if (!culprit || loop.end - loop.at > culprit.end - culprit.at) culprit = loop;
      }
      culprit ??= loopAround(a, states);
      const what = culprit ? `the repetition ${quote(pattern, culprit)}` : 'a repetition';
      return `${what} can match the same text in exponentially many ways, so a failing match backtracks exponentially (catastrophic backtracking)`;
    }
  }

  // Polynomial ambiguity: loops in components C1 != C2, a word v with p -v-> p, p -v-> q, q -v-> q.
  const reachFrom = (from: number[]): Set<number> => {
    const seen = new Set(from), todo = [...from];
    while (todo.length > 0) for (const w of succ[todo.pop()!]!) if (!seen.has(w)) { a.tick(); seen.add(w); todo.push(w); }
    return seen;
  };
  const pred: number[][] = Array.from({ length: n }, () => []);
  for (const v of nodes) for (const w of succ[v]!) pred[w]!.push(v);
  const reachTo = (to: number[]): Set<number> => {
    const seen = new Set(to), todo = [...to];
    while (todo.length > 0) for (const w of pred[todo.pop()!]!) if (!seen.has(w)) { a.tick(); seen.add(w); todo.push(w); }
    return seen;
  };
  const alphabet = comps.map((c) => union(...c.map((v) => a.sets[v]!)));
  for (let k1 = 0; k1 < comps.length; k1++) {
    if (!nontrivial[k1]) continue;
    const c1 = comps[k1]!, in1 = new Set(c1);
    const forward = reachFrom(c1);
    for (let k2 = 0; k2 < comps.length; k2++) {
      if (k2 === k1 || !nontrivial[k2]) continue;
      const c2 = comps[k2]!, in2 = new Set(c2);
      if (!c2.some((v) => forward.has(v)) || !intersects(alphabet[k1]!, alphabet[k2]!)) continue;
      const back = reachTo(c2);
      const middle = new Set([...forward].filter((v) => back.has(v)));
      for (const p of c1) for (const q of c2) {
        const key = (x: number, y: number, z: number) => (x * n + y) * n + z;
        const seen = new Set<number>();
        const todo: Array<[number, number, number]> = [[p, p, q]];
        while (todo.length > 0) {
          const [x, y, z] = todo.pop()!;
          for (const x2 of succ[x]!) {
            if (!in1.has(x2)) continue;
            for (const z2 of succ[z]!) {
              if (!in2.has(z2)) continue;
              const xz = inter(x2, z2);
              if (xz.length === 0) continue;
              for (const y2 of succ[y]!) {
                a.tick();
                if (!middle.has(y2) || !intersects(xz, a.sets[y2]!)) continue;
                if (x2 === p && y2 === q && z2 === q) {
                  const l1 = loopAround(a, c1), l2 = loopAround(a, c2);
                  const what = l1 && l2 ? `the repetitions ${quote(pattern, l1)} and ${quote(pattern, l2)}` : 'two repetitions';
                  return `${what} can split the same text between them in many ways and the match can still fail after them, so a failing match backtracks polynomially (quadratic or worse in the input length)`;
                }
                const kk = key(x2, y2, z2);
                if (!seen.has(kk)) {
                  seen.add(kk);
                  todo.push([x2, y2, z2]);
                }
              }
            }
          }
        }
      }
    }
  }

  // Finite but large ambiguity (`(a|a)(a|a)...`): count the routes that converge on one point of
  // the pattern, component by component (any entry to any exit), from the start and from every
  // safe position, where exploration can begin. Routes arriving from predecessors that read
  // disjoint characters cannot carry the same text, so only those that share a character add up.
  const inflow = new Map<number, Array<[number, CodeSet]>>();
  const arrive = (w: number, routes: number, via: CodeSet) => {
    const list = inflow.get(w) ?? [];
    list.push([Math.min(1e15, routes), via]);
    inflow.set(w, list);
  };
  for (const src of [0, ...[...safe].filter((v) => reachable.has(v))])
    for (const [w, m] of a.edges[src]!) if (active(w)) arrive(w, m, src === 0 ? [0, 0x110000] : a.sets[src]!);
  let most = 0;
  for (let k = comps.length - 1; k >= 0; k--) {
    const c = comps[k]!;
    const total = Math.min(1e15, c.reduce((sum, v) => sum + convergent(inflow.get(v) ?? [], tick), 0));
    if (total === 0) continue;
    most = Math.max(most, total);
    for (const x of c)
      for (const [w, m] of a.edges[x]!) if (active(w) && compOf.get(w) !== k) arrive(w, total * m, a.sets[x]!);
  }
  if (most > MAX_ROUTES)
    return `about ${most} different routes through it can read the same text and lead to the same point, where the match can still fail (more than ${MAX_ROUTES}), so a failing match backtracks through all of them`;
  return null;
}

/** One `{"Regex": ...}` of a tokenizer.json, with the JSON path of the component holding it. */
export interface TokenizerJsonRegex {
  /** e.g. `normalizer.normalizers[2]`. */
  component: string;
  /** The component's `type` (Replace, Split, ...), when it has one. */
  type: string | undefined;
  pattern: string;
}

const pathKey = (key: string) => (/^[A-Za-z_][A-Za-z0-9_]*$/.test(key) ? `.${key}` : `[${JSON.stringify(key)}]`);

/** Every `{"Regex": "..."}` in a parsed tokenizer.json (the model's vocab and merges are data, and skipped). */
export function tokenizerJsonRegexes(doc: unknown): TokenizerJsonRegex[] {
  const out: TokenizerJsonRegex[] = [];
  const walk = (v: unknown, path: string, parent: unknown, parentPath: string) => {
    if (Array.isArray(v)) {
      v.forEach((item, i) => walk(item, `${path}[${i}]`, v, path));
      return;
    }
    if (v === null || typeof v !== 'object') return;
    const obj = v as Record<string, unknown>;
    if (typeof obj.Regex === 'string') {
      const owner = parent !== null && typeof parent === 'object' && !Array.isArray(parent) ? parent as Record<string, unknown> : undefined;
      out.push({ component: owner ? parentPath : path, type: typeof owner?.type === 'string' ? owner.type : undefined, pattern: obj.Regex });
    }
    for (const [k, child] of Object.entries(obj)) {
      if (path === 'model' && (k === 'vocab' || k === 'merges')) continue;
      walk(child, path === '' ? k : `${path}${pathKey(k)}`, obj, path);
    }
  };
  walk(doc, '', null, '');
  return out;
}

const verdicts = new Map<string, string | null>();

/**
 * Throws when a regex of the parsed tokenizer.json `doc` can backtrack super-linearly, naming
 * `file`, the component's JSON path and the pattern.
 */
export function assertSafeTokenizerRegexes(doc: unknown, file: string): void {
  for (const r of tokenizerJsonRegexes(doc)) {
    let risk = verdicts.get(r.pattern);
    if (risk === undefined) {
      risk = regexBacktrackingRisk(r.pattern);
      if (verdicts.size < 1000) verdicts.set(r.pattern, risk);
    }
    if (risk !== null)
      throw new Error(`${file}: refusing the regex ${JSON.stringify(r.pattern)} of ${r.component}${r.type ? ` (${r.type})` : ''}: ${risk}. ` +
        'HF tokenizers runs it with Oniguruma, which aborts the whole process when one match backtracks more than 10,000,000 times.');
  }
}
