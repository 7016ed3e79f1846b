// hub-push.ts — the Trainer's pushes to the Hub (transformers trainer.py: init_hf_repo,
// _push_from_checkpoint, push_to_hub, _finish_current_push, create_model_card), over src/hub's
// createRepo / uploadFolder.  HF uploads checkpoints in a background thread; Node has one thread
// for JS, and a training step keeps it busy, so a background upload would only advance while the
// loop waits on I/O: here a checkpoint push is awaited (training pauses for it) and a failed one
// is a warning (the next save pushes output_dir again), as HF's thread never stops training.
// pushToHub({ blocking: false }) does run in the background; hub_always_push decides whether a
// save pushes while such an upload is still running, as HF's push_in_progress check.
import { copyFile, mkdir, readFile, stat, writeFile } from 'node:fs/promises';
import { basename, join, resolve } from 'node:path';
import {
  HubAuthError, HubConnectionError, HubError, createRepo, getToken, hubEndpoint, isOffline, isValidRepoId, uploadFolder, type CommitInfo,
} from '../hub/index.js';
import { PREFIX_CHECKPOINT_DIR, TRAINING_ARGS_NAME } from './checkpoint.js';
import { toModelCard, trainingSummary, type ModelCardOptions } from './model-card.js';
import type { Trainer } from './trainer.js';
import type { TrainingArguments } from './training-args.js';

/** Left out of every push of output_dir (HF: `_*` and the checkpoint folders). */
const IGNORE = ['_*', `${PREFIX_CHECKPOINT_DIR}-*`];
/** The model files a checkpoint push copies into output_dir (HF's modeling_files; shards follow their index). */
const MODELING_FILES = ['config.json', 'generation_config.json', 'pytorch_model.bin', 'model.safetensors',
  'adapter_config.json', 'adapter_model.bin', 'adapter_model.safetensors'];
const INDEX_FILES = ['pytorch_model.bin.index.json', 'model.safetensors.index.json'];

/** Options of Trainer.pushToHub: HF's push_to_hub arguments, and create_model_card's. */
export interface PushToHubOptions extends ModelCardOptions {
  /** Default 'End of training'; null: the Hub client's default title. */
  commit_message?: string | null;
  commitMessage?: string | null;
  /** false: resolve once the files are written, the upload going on in `future` (default true). */
  blocking?: boolean;
  /** Write token (default hub_token, else HF_TOKEN / the saved login). */
  token?: string | null;
  /** Branch to commit to (default hub_revision, else 'main'). */
  revision?: string | null;
}
const PUSH_OPTION_NAMES = ['commit_message', 'commitMessage', 'blocking', 'token', 'revision', 'language', 'license', 'tags', 'model_name',
  'finetuned_from', 'tasks', 'dataset_tags', 'dataset', 'dataset_args', 'dataset_metadata'];

/** What pushToHub({ blocking: false }) gives: the upload, still running. */
export interface PushInProgress { future: Promise<CommitInfo> }

/** The Trainer's Hub state: HF's hub_model_id (once the repo exists) and push_in_progress. */
export class HubPushState {
  /** The repo pushed to (HF Trainer.hub_model_id); null until the repo was created. */
  repoId: string | null = null;
  #init: Promise<string> | null = null;
  readonly #running = new Set<Promise<unknown>>();

  /** HF init_hf_repo, begun now (the Trainer's constructor); its error, if any, comes from the next ready(). */
  start(a: TrainingArguments, token?: string | null): void {
    this.ready(a, token).catch(() => { /* reported by the next ready() */ });
  }

  /** The repo id once the repo exists (created here, exist_ok, when not done yet); a failure is retried on the next call. */
  ready(a: TrainingArguments, token?: string | null): Promise<string> {
    if (this.repoId !== null) return Promise.resolve(this.repoId);
    this.#init ??= initHfRepo(a, token).then(
      (id) => (this.repoId = id),
      (e: unknown) => { this.#init = null; throw e; },
    );
    return this.#init;
  }

  /** HF push_in_progress.is_done(): no background upload running. */
  isDone(): boolean { return this.#running.size === 0; }

  track(job: Promise<unknown>): void {
    const settled = job.then(() => undefined, () => undefined).finally(() => this.#running.delete(settled));
    this.#running.add(settled);
  }

  /** HF _finish_current_push: waits for the background uploads (their errors belong to their futures). */
  async finish(): Promise<void> {
    while (this.#running.size) await Promise.all([...this.#running]);
  }
}

/** A Hub error of a push, with what the Trainer user can change: hub_token / HF_TOKEN, hub_model_id. */
export function pushError(e: unknown, repoId: string, doing: string): unknown {
  if (!(e instanceof HubAuthError)) return e;
  const ns = repoId.split('/')[0];
  return new HubAuthError(`push_to_hub: ${doing} ${repoId} was refused: ${e.message}. The Trainer pushes with the token of TrainingArguments ` +
    `hub_token, else HF_TOKEN (HUGGING_FACE_HUB_TOKEN, the saved login); it needs write access to '${ns}'.`, e.target, e.status, { cause: e });
}

/**
 * HF whoami: the user name of `token` (GET /api/whoami-v2), the namespace of a hub_model_id given
 * without one.
 */
async function whoami(token: string | undefined, name: string): Promise<string> {
  const target = { repoId: name };
  const fix = `or set hub_model_id to 'namespace/${name}'`;
  if (!token) throw new HubAuthError(`push_to_hub: the repo '${name}' has no namespace, and without a token the Hub cannot tell whose it is; set hub_token (or HF_TOKEN) to a write token, ${fix}`, target);
  if (isOffline()) throw new HubError(`push_to_hub: HF_HUB_OFFLINE=1 forbids requests to the Hub (the repo '${name}' is to be created)`, target);
  const url = `${hubEndpoint()}/api/whoami-v2`;
  let res: Response;
  try {
    res = await fetch(url, { headers: { authorization: `Bearer ${token}` }, signal: AbortSignal.timeout(10_000) });
  } catch (e) {
    throw new HubConnectionError(`push_to_hub: cannot reach ${url} to find the namespace of '${name}' (${(e as Error).message}); check HF_ENDPOINT, ${fix}`, target, undefined, { cause: e });
  }
  if (res.status === 401 || res.status === 403)
    throw new HubAuthError(`push_to_hub: the Hub refused the token (${res.status} from ${url}); set hub_token (or HF_TOKEN) to a valid write token`, target, res.status);
  const body = res.ok ? await res.json().catch(() => null) as { name?: unknown } | null : null;
  if (typeof body?.name !== 'string')
    throw new HubError(`push_to_hub: the repo '${name}' has no namespace and ${url} answered ${res.status} without a user name; ${fix.slice(3)}`, target, res.status);
  return body.name;
}

/** HF init_hf_repo: the repo id (hub_model_id, else output_dir's name; `user/` added from whoami) and the repo created (exist_ok). */
async function initHfRepo(a: TrainingArguments, tokenOpt?: string | null): Promise<string> {
  let id = a.hub_model_id ?? basename(resolve(a.output_dir));
  if (!isValidRepoId(id))
    throw new RangeError(`push_to_hub: '${id}' (the output_dir's name) is not a valid Hub repo name; set hub_model_id (e.g. 'me/my-model')`);
  const token = getToken(tokenOpt ?? a.hub_token ?? undefined);
  if (!id.includes('/')) id = `${await whoami(token, id)}/${id}`;
  try {
    await createRepo(id, { token, ...(a.hub_private_repo === null ? {} : { private: a.hub_private_repo }) });
  } catch (e) {
    throw pushError(e, id, 'creating the repo');
  }
  return id;
}

const isFile = (p: string): Promise<boolean> => stat(p).then((s) => s.isFile(), () => false);

/** HF on_push_begin (callbacks with an onPushBegin method). */
function onPushBegin(t: Trainer): void {
  t.callbackHandler.call('onPushBegin', t.args, t.state, t.control);
}

/** The files of a checkpoint that make the model: HF's modeling files, plus the shards an index names. */
async function modelingFiles(dir: string): Promise<string[]> {
  const names = [...MODELING_FILES];
  for (const index of INDEX_FILES) {
    if (!(await isFile(join(dir, index)))) continue;
    const map = (JSON.parse(await readFile(join(dir, index), 'utf8')) as { weight_map?: Record<string, string> }).weight_map ?? {};
    names.push(index, ...new Set(Object.values(map).map((f) => basename(f))));
  }
  const out: string[] = [];
  for (const n of names) if (await isFile(join(dir, n))) out.push(n);
  return out;
}

/** See Trainer.pushFromCheckpoint. */
export async function pushFromCheckpoint(t: Trainer, hub: HubPushState, checkpointFolder: string): Promise<void> {
  const a = t.args;
  if (a.hub_strategy === 'end') return;
  if (!a.hub_always_push && !hub.isDone()) return;
  onPushBegin(t);
  const repoId = await hub.ready(a);
  const out = a.output_dir;
  await mkdir(out, { recursive: true });
  // the model files come from the checkpoint (no second save of the weights); the tokenizer and
  // the arguments are saved again, as HF does
  for (const f of await modelingFiles(checkpointFolder)) await copyFile(join(checkpointFolder, f), join(out, f));
  if (t.processingClass && typeof t.processingClass.savePretrained === 'function') await t.processingClass.savePretrained(out);
  await writeFile(join(out, TRAINING_ARGS_NAME), a.toJsonString());
  const message = a.save_strategy === 'steps' ? `Training in progress, step ${t.state.global_step}` : `Training in progress, epoch ${Math.trunc(t.state.epoch ?? 0)}`;
  const common = { token: a.hub_token ?? undefined, revision: a.hub_revision ?? undefined, createRepo: false };
  try {
    await uploadFolder(repoId, out, { ...common, commitMessage: message, ignorePatterns: IGNORE });
    if (a.hub_strategy === 'checkpoint' || a.hub_strategy === 'all_checkpoints') {
      const pathInRepo = a.hub_strategy === 'checkpoint' ? 'last-checkpoint' : basename(checkpointFolder);
      await uploadFolder(repoId, checkpointFolder, { ...common, commitMessage: `${message}, checkpoint`, pathInRepo });
    }
  } catch (e) {
    const err = pushError(e, repoId, 'pushing to');
    console.warn(`push_to_hub: pushing ${basename(checkpointFolder)} to ${repoId} failed; training goes on and the next save pushes again: ${(err as Error).message ?? String(err)}`);
  }
}

/** See Trainer.pushToHub. */
export async function pushToHub(t: Trainer, hub: HubPushState, opts: PushToHubOptions = {}): Promise<CommitInfo | PushInProgress> {
  for (const k of Object.keys(opts))
    if (!PUSH_OPTION_NAMES.includes(k)) throw new TypeError(`Trainer.pushToHub: unknown option '${k}' (known: ${PUSH_OPTION_NAMES.join(', ')})`);
  const a = t.args;
  // several processes: only the main one pushes (HF returns None on the others); nothing to commit here
  if (!a.should_save) {
    const none: CommitInfo = { commitOid: '', commitUrl: '' };
    return opts.blocking === false ? { future: Promise.resolve(none) } : none;
  }
  onPushBegin(t);
  const { commit_message, commitMessage, blocking = true, token: tokenOpt, revision, model_name, ...card } = opts;
  const message = commit_message !== undefined ? commit_message : commitMessage !== undefined ? commitMessage : 'End of training';
  const modelName = model_name ?? (a.hub_model_id === null ? basename(a.output_dir) : a.hub_model_id.split('/').pop()!);
  const token = tokenOpt ?? a.hub_token ?? undefined;
  // with push_to_hub false, the repo is created here (HF: `if self.hub_model_id is None: self.init_hf_repo(token)`)
  const repoId = await hub.ready(a, token);
  await t.saveModel(undefined, { internalCall: true });
  const modelTags = (t.model as { model_tags?: unknown; modelTags?: unknown }).model_tags ?? (t.model as { modelTags?: unknown }).modelTags;
  if (Array.isArray(modelTags)) {
    const tags = card.tags === undefined || card.tags === null ? [] : typeof card.tags === 'string' ? [card.tags] : [...card.tags];
    for (const tag of modelTags) if (typeof tag === 'string' && !tags.includes(tag)) tags.push(tag);
    card.tags = tags;
  }
  await t.createModelCard({ ...card, model_name: modelName });
  await hub.finish();
  const job = uploadFolder(repoId, a.output_dir, {
    ...(message === null ? {} : { commitMessage: message }), token, revision: revision ?? a.hub_revision ?? undefined, createRepo: false, ignorePatterns: IGNORE,
  }).catch((e: unknown) => { throw pushError(e, repoId, 'pushing to'); });
  if (blocking) return job;
  hub.track(job);
  job.catch(() => { /* the caller's future */ });
  return { future: job };
}

/** The `key:` list of a README's YAML front matter (block style, as cards are written), or null. */
function frontMatterList(text: string, key: string): string[] | null {
  const m = /^---\n([\s\S]*?)\n---/.exec(text);
  if (!m) return null;
  const lines = m[1]!.split('\n');
  const i = lines.findIndex((l) => l === `${key}:` || l.startsWith(`${key}: `));
  if (i < 0) return null;
  const inline = lines[i]!.slice(key.length + 1).trim();
  if (inline) return inline === '[]' ? [] : [unquote(inline)];
  const out: string[] = [];
  for (const l of lines.slice(i + 1)) {
    const item = /^- (.*)$/.exec(l);
    if (!item) break;
    out.push(unquote(item[1]!));
  }
  return out;
}
const unquote = (s: string): string => (/^'.*'$/.test(s) ? s.slice(1, -1).replace(/''/g, "'") : /^".*"$/.test(s) ? JSON.parse(s) as string : s);

/** HF's license of a Hub model (its `license:` tag), or null when the Hub cannot say. */
async function hubLicense(repoId: string, token: string | undefined): Promise<string | null> {
  if (isOffline() || !isValidRepoId(repoId)) return null;
  try {
    const res = await fetch(`${hubEndpoint()}/api/models/${repoId}`, { headers: token ? { authorization: `Bearer ${token}` } : {}, signal: AbortSignal.timeout(10_000) });
    if (!res.ok) return null;
    const info = await res.json() as { tags?: unknown };
    const tag = Array.isArray(info.tags) ? info.tags.find((x): x is string => typeof x === 'string' && x.startsWith('license:')) : undefined;
    return tag ? tag.slice(8) : null;
  } catch {
    return null;
  }
}

/** See Trainer.createModelCard. */
export async function createModelCard(t: Trainer, opts: ModelCardOptions = {}): Promise<string> {
  const a = t.args;
  const path = join(a.output_dir, 'README.md');
  let tags = opts.tags ?? null;
  const existing = await readFile(path, 'utf8').catch(() => null);
  // HF: the tags of a card already there are kept when tags are given
  const old = existing === null ? null : frontMatterList(existing, 'tags');
  if (tags !== null && old !== null) {
    tags = typeof tags === 'string' ? [tags] : [...tags];
    for (const tag of old) if (!tags.includes(tag)) tags.push(tag);
  }
  const summary = trainingSummary({ args: a, logHistory: t.state.log_history, model: t.model, trainDataset: t.trainDataset, evalDataset: t.evalDataset }, { ...opts, tags });
  if (summary.license === null && summary.finetuned_from !== null) summary.license = await hubLicense(summary.finetuned_from, getToken(a.hub_token ?? undefined));
  const text = toModelCard(summary);
  await mkdir(a.output_dir, { recursive: true });
  await writeFile(path, text, 'utf8');
  return text;
}
