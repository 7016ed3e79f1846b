// Renders chat templates (untrusted: they come from tokenizer_config.json) under the limits of
// Python's jinja2 sandbox that transformers uses (ImmutableSandboxedEnvironment): `range` is capped
// at MAX_RANGE = 100000 items, as jinja2.sandbox.safe_range does. @huggingface/jinja has no sandbox,
// so `{% for i in range(100000000) %}` builds a 10^8-item list and aborts Node out of memory, and
// nested loops run for hours; on top of the range cap, each render here is bounded in evaluation
// steps, wall-clock time, string length and list length. A real chat template renders a
// conversation in a few thousand steps, far from every limit.
//
// Rendering is @huggingface/jinja's own (Template.render: the same globals, the same Interpreter);
// the limits are hooks around the interpreter's evaluate / evaluateBlock / evaluateFor.
import { Environment, Interpreter, type Template } from '@huggingface/jinja';

/** The limits of one chat-template render; see {@link DEFAULT_TEMPLATE_LIMITS}. */
export interface TemplateLimits {
  /** Most items a `range(...)` may have (jinja2.sandbox.MAX_RANGE). */
  maxRange: number;
  /** Most evaluation steps (each expression, statement and block evaluated). */
  maxSteps: number;
  /** Most wall-clock milliseconds. */
  timeoutMs: number;
  /** Longest string (UTF-16 code units) any expression, block or loop may produce. */
  maxOutputLength: number;
  /** Longest list any expression may produce. */
  maxListLength: number;
}

/**
 * The default limits. maxRange is Python's. Qwen3's template (with tools) takes about 90 steps per
 * message and ~300 for a two-turn chat, so 1,000,000 steps is a conversation of ~10,000 turns, and
 * about a second of rendering; 50,000,000 characters (100 MB) is several times the text of the
 * longest context window of any model.
 */
export const DEFAULT_TEMPLATE_LIMITS: Readonly<TemplateLimits> = Object.freeze({
  maxRange: 100_000,
  maxSteps: 1_000_000,
  timeoutMs: 10_000,
  maxOutputLength: 50_000_000,
  maxListLength: 1_000_000,
});

/** A render stopped by one of the {@link TemplateLimits}. */
export class TemplateLimitError extends Error {
  constructor(message: string, readonly limit: keyof TemplateLimits) {
    super(message);
    this.name = 'TemplateLimitError';
  }
}

const raise = (key: keyof TemplateLimits, value: number) =>
  `Raise it for a trusted template with applyChatTemplate(messages, { templateLimits: { ${key}: ${value * 10} } }).`;

/** Checks caller-given limits; returns the full set. */
export function resolveTemplateLimits(given: Partial<TemplateLimits> | undefined): TemplateLimits {
  const limits = { ...DEFAULT_TEMPLATE_LIMITS };
  for (const [k, v] of Object.entries(given ?? {})) {
    if (!(k in DEFAULT_TEMPLATE_LIMITS)) throw new Error(`templateLimits: unknown limit '${k}' (known: ${Object.keys(DEFAULT_TEMPLATE_LIMITS).join(', ')})`);
    if (v === undefined) continue;
    if (typeof v !== 'number' || !(v > 0)) throw new Error(`templateLimits.${k} must be a positive number, got ${JSON.stringify(v)}`);
    limits[k as keyof TemplateLimits] = v;
  }
  return limits;
}

/** @huggingface/jinja's range (utils.ts), refusing more than `max` items as jinja2.sandbox.safe_range does. */
function sandboxRange(max: number, start: number, stop?: number, step = 1): number[] {
  if (stop === undefined) {
    stop = start;
    start = 0;
  }
  if (step === 0) throw new Error('range() step must not be zero');
  const length = Math.ceil(step > 0 ? (stop - start) / step : (start - stop) / -step);
  if (length > max)
    throw new TemplateLimitError(`Range too big. The sandbox blocks ranges larger than MAX_RANGE (${max}). (templateLimits.maxRange) ${raise('maxRange', max)}`, 'maxRange');
  const result: number[] = [];
  if (step > 0) for (let i = start; i < stop; i += step) result.push(i);
  else for (let i = start; i > stop; i += step) result.push(i);
  return result;
}

/** @huggingface/jinja's strftime_now (utils.ts), which the package does not export. */
function strftimeNow(format: string): string {
  const date = new Date();
  const monthLong = new Intl.DateTimeFormat(undefined, { month: 'long' });
  const monthShort = new Intl.DateTimeFormat(undefined, { month: 'short' });
  const pad2 = (n: number) => (n < 10 ? '0' + n : n.toString());
  return format.replace(/%[YmdbBHM%]/g, (token) => {
    switch (token) {
      case '%Y': return date.getFullYear().toString();
      case '%m': return pad2(date.getMonth() + 1);
      case '%d': return pad2(date.getDate());
      case '%b': return monthShort.format(date);
      case '%B': return monthLong.format(date);
      case '%H': return pad2(date.getHours());
      case '%M': return pad2(date.getMinutes());
      case '%%': return '%';
      default: return token;
    }
  });
}

/**
 * Steps one for-loop iteration counts: @huggingface/jinja builds a scope and a 9-entry `loop`
 * object per iteration, about ten evaluations' worth of work (~3.5 µs), so empty nested loops are
 * stopped as fast as busy ones.
 */
const LOOP_ITERATION_STEPS = 10;

type Value = { type: string; value: unknown };
type Hooked = {
  evaluate(statement: unknown, env: Environment): Value;
  evaluateBlock(statements: unknown[], env: Environment): Value;
  evaluateFor(node: { body: unknown[] }, env: Environment): Value;
};

/**
 * Renders `template` with `items` as Template.render does, under `limits`; `stats.steps` receives
 * the number of evaluation steps taken.
 * @throws TemplateLimitError naming the limit that stopped the render.
 */
export function renderSandboxed(template: Template, items: Record<string, unknown>, limits: TemplateLimits = DEFAULT_TEMPLATE_LIMITS, stats?: { steps: number }): string {
  const env = new Environment();
  // Template.render's globals (setupGlobals), with the sandbox's range.
  env.set('false', false);
  env.set('true', true);
  env.set('none', null);
  env.set('raise_exception', (args: string) => {
    throw new Error(args);
  });
  env.set('range', (start: number, stop?: number, step?: number) => sandboxRange(limits.maxRange, start, stop, step));
  env.set('strftime_now', strftimeNow);
  env.set('True', true);
  env.set('False', false);
  env.set('None', null);
  for (const [key, value] of Object.entries(items)) env.set(key, value);

  const interpreter = new Interpreter(env);
  const hooked = interpreter as unknown as Hooked;
  const evaluate = hooked.evaluate.bind(interpreter);
  const evaluateBlock = hooked.evaluateBlock.bind(interpreter);
  const evaluateFor = hooked.evaluateFor.bind(interpreter);
  const deadline = performance.now() + limits.timeoutMs;
  let steps = 0, timeChecked = 0;
  const tick = (n: number) => {
    steps += n;
    if (steps > limits.maxSteps)
      throw new TemplateLimitError(`chat template: the sandbox stopped the render after ${limits.maxSteps} evaluation steps (templateLimits.maxSteps; a real chat template takes a few hundred for a short chat, about a hundred more per message). ${raise('maxSteps', limits.maxSteps)}`, 'maxSteps');
    if (steps - timeChecked >= 256 && (timeChecked = steps) && performance.now() > deadline)
      throw new TemplateLimitError(`chat template: the sandbox stopped the render after ${limits.timeoutMs} ms (templateLimits.timeoutMs). ${raise('timeoutMs', limits.timeoutMs)}`, 'timeoutMs');
  };
  const tooLong = (length: number) =>
    new TemplateLimitError(`chat template: the sandbox stopped the render: it built a string of ${length} characters, over templateLimits.maxOutputLength (${limits.maxOutputLength}). ${raise('maxOutputLength', limits.maxOutputLength)}`, 'maxOutputLength');
  const check = (v: Value) => {
    if (v.type === 'StringValue' && (v.value as string).length > limits.maxOutputLength) throw tooLong((v.value as string).length);
    if (v.type === 'ArrayValue' && (v.value as unknown[]).length > limits.maxListLength)
      throw new TemplateLimitError(`chat template: the sandbox stopped the render: it built a list of ${(v.value as unknown[]).length} items, over templateLimits.maxListLength (${limits.maxListLength}). ${raise('maxListLength', limits.maxListLength)}`, 'maxListLength');
    return v;
  };
  // The text a for loop has produced so far (its body's outputs, which it concatenates).
  const loops: Array<{ body: unknown[]; length: number }> = [];
  hooked.evaluate = (statement, e) => {
    tick(1);
    return check(evaluate(statement, e));
  };
  hooked.evaluateBlock = (statements, e) => {
    const loop = loops[loops.length - 1];
    const isLoopBody = loop !== undefined && loop.body === statements;
    tick(isLoopBody ? LOOP_ITERATION_STEPS : 1);
    const v = check(evaluateBlock(statements, e));
    if (isLoopBody) {
      loop.length += (v.value as string).length;
      if (loop.length > limits.maxOutputLength) throw tooLong(loop.length);
    }
    return v;
  };
  hooked.evaluateFor = (node, e) => {
    loops.push({ body: node.body, length: 0 });
    try {
      return evaluateFor(node, e);
    } finally {
      loops.pop();
    }
  };
  try {
    return interpreter.run(template.parsed).value as string;
  } finally {
    if (stats) stats.steps = steps;
  }
}
