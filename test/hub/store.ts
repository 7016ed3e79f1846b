// store.ts — the repositories of the loopback Hub (server.ts): commits as path -> bytes maps,
// branches and tags pointing at commit hashes, LFS objects by sha256.  ETags are the Hub's: the git
// blob sha1 for regular files, the sha256 for LFS files (X-Linked-Etag).
import { createHash, randomBytes } from 'node:crypto';

export type RepoKind = 'model' | 'dataset' | 'space';

export interface Commit {
  files: Map<string, Buffer>;
  parent: string | null;
  title: string;
}

export interface Repo {
  id: string;
  type: RepoKind;
  /** Needs a valid token to be seen (as a private repo: 401 / 404 otherwise). */
  private: boolean;
  /** Answers 403 GatedRepo without a valid token. */
  gated: boolean;
  commits: Map<string, Commit>;
  branches: Map<string, string>;
  tags: Map<string, string>;
}

/** The Hub's default .gitattributes (abridged): these extensions are stored with LFS. */
export const LFS_EXTENSIONS = ['.safetensors', '.bin', '.pt', '.pth', '.ckpt', '.h5', '.msgpack', '.model', '.onnx', '.zip', '.gz', '.parquet', '.arrow'];
export const GITATTRIBUTES = LFS_EXTENSIONS.map((e) => `*${e} filter=lfs diff=lfs merge=lfs -text`).join('\n') + '\n';

/** git's object id of a blob: sha1("blob <size>\0" + content). */
export const gitBlobSha1 = (b: Buffer): string => createHash('sha1').update(`blob ${b.length}\0`).update(b).digest('hex');
export const sha256 = (b: Buffer): string => createHash('sha256').update(b).digest('hex');

export class RepoStore {
  readonly repos = new Map<string, Repo>();
  /** LFS objects by sha256 (uploaded or committed). */
  readonly lfs = new Map<string, Buffer>();

  constructor(readonly lfsThreshold: number) {}

  static key(type: RepoKind, id: string): string {
    return `${type}s/${id}`;
  }

  get(type: RepoKind, id: string): Repo | undefined {
    return this.repos.get(RepoStore.key(type, id));
  }

  /** Creates a repo with an initial commit holding .gitattributes on 'main'. */
  create(id: string, o: { type?: RepoKind; private?: boolean; gated?: boolean } = {}): Repo {
    const type = o.type ?? 'model';
    const repo: Repo = { id, type, private: o.private ?? false, gated: o.gated ?? false, commits: new Map(), branches: new Map(), tags: new Map() };
    this.repos.set(RepoStore.key(type, id), repo);
    this.commit(repo, 'main', new Map([['.gitattributes', Buffer.from(GITATTRIBUTES)]]), 'initial commit', true);
    return repo;
  }

  /** Whether a file is stored with LFS: an LFS extension, or at least `lfsThreshold` bytes. */
  isLfs(path: string, size: number): boolean {
    return LFS_EXTENSIONS.some((e) => path.endsWith(e)) || size >= this.lfsThreshold;
  }

  /**
   * A new commit on `branch`: the parent's files with `changes` applied (a null value deletes);
   * `replace` starts from no files.  Returns its hash.
   */
  commit(repo: Repo, branch: string, changes: Map<string, Buffer | null>, title: string, replace = false): string {
    const parent = repo.branches.get(branch) ?? null;
    const files = new Map(replace || parent === null ? [] : repo.commits.get(parent)!.files);
    for (const [p, b] of changes) {
      if (b === null) files.delete(p);
      else {
        files.set(p, b);
        if (this.isLfs(p, b.length)) this.lfs.set(sha256(b), b);
      }
    }
    const sha = createHash('sha1').update(randomBytes(16)).digest('hex');
    repo.commits.set(sha, { files, parent, title });
    repo.branches.set(branch, sha);
    return sha;
  }

  /** Commit hash of a branch, tag or full hash; null when unknown. */
  resolve(repo: Repo, rev: string): string | null {
    if (repo.branches.has(rev)) return repo.branches.get(rev)!;
    if (repo.tags.has(rev)) return repo.tags.get(rev)!;
    return repo.commits.has(rev) ? rev : null;
  }
}
