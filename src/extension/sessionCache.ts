/**
 * The worker's model sessions, one per (model file, execution provider), so that a second run on the
 * same model starts at once. Every use checks the file first: one that was deleted or replaced (other
 * size, modification time or inode) since it was opened is opened again, so a run on a deleted path
 * says "not found" instead of sampling a stale copy. A session is released only when no run holds it:
 * evicting one in use defers the release to the end of its last run (releasing a session while
 * onnxruntime runs it would be a use-after-free). No vscode and no onnxruntime import.
 */
import { statSync } from 'node:fs';

export interface Releasable {
  dispose(): Promise<void>;
}

/** A model handed out by {@link SessionCache.acquire}; call release() once the run or load is done with it. */
export interface Lease<M> {
  readonly model: Promise<M>;
  release(): void;
}

interface Entry<M> {
  readonly path: string;
  readonly model: Promise<M>;
  readonly stamp: string | undefined;
  users: number;
  evicted: boolean;
}

/** Size, modification time and inode of `path`; undefined when it cannot be read. */
export function fileStamp(path: string): string | undefined {
  try {
    const s = statSync(path);
    return `${s.size}:${s.mtimeMs}:${s.ino}`;
  } catch {
    return undefined;
  }
}

export class SessionCache<M extends Releasable> {
  private readonly entries = new Map<string, Entry<M>>();
  private readonly releasing = new Set<Promise<boolean>>();
  private released = 0;

  constructor(
    /** `batch`: images per call of the run that opens it (`auto` times its candidates at that batch). */
    private readonly open: (path: string, provider: string, batch?: number) => Promise<M>,
    private readonly stamp: (path: string) => string | undefined = fileStamp,
  ) {}

  /** Sessions cached (opened or opening). */
  get size(): number {
    return this.entries.size;
  }

  /** The model for (path, provider): the cached one while the file is unchanged, else a fresh open. */
  acquire(path: string, provider: string, batch?: number): Lease<M> {
    const key = `${provider}\u0000${path}`;
    const stamp = this.stamp(path);
    let entry = this.entries.get(key);
    if (entry && entry.stamp !== stamp) {
      this.evict(key, entry); // deleted or replaced since it was opened
      entry = undefined;
    }
    if (!entry) {
      const created: Entry<M> = { path, model: (async () => this.open(path, provider, batch))(), stamp, users: 0, evicted: false };
      created.model.catch(() => {
        if (this.entries.get(key) === created) this.entries.delete(key); // a failed open is not cached
      });
      this.entries.set(key, created);
      entry = created;
    }
    const held = entry;
    held.users++;
    let done = false;
    return {
      model: held.model,
      release: () => {
        if (done) return;
        done = true;
        held.users--;
        if (held.evicted && held.users === 0) this.dispose(held);
      },
    };
  }

  /** Let go of every session of another model file (at once, or when the run holding it ends). */
  keepOnly(path: string): void {
    for (const [key, entry] of this.entries) if (entry.path !== path) this.evict(key, entry);
  }

  /** Evict everything and wait for the releases; resolves with the number of sessions released so far in total. */
  async clear(): Promise<number> {
    for (const [key, entry] of this.entries) this.evict(key, entry);
    while (this.releasing.size) await Promise.all([...this.releasing]);
    return this.released;
  }

  private evict(key: string, entry: Entry<M>): void {
    if (this.entries.get(key) === entry) this.entries.delete(key);
    if (entry.evicted) return;
    entry.evicted = true;
    if (entry.users === 0) this.dispose(entry);
  }

  private dispose(entry: Entry<M>): void {
    const releasing = entry.model.then(
      async (model) => {
        await model.dispose().catch(() => undefined);
        this.released++;
        return true;
      },
      () => false, // it never opened: nothing to release
    );
    this.releasing.add(releasing);
    void releasing.finally(() => this.releasing.delete(releasing));
  }
}
