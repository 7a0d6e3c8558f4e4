/**
 * Readers-writer turns per object key. S3 replaces an object atomically: a GET sees the old
 * object or the new one, whole. The emulator truncates the file and rewrites it in place (and
 * writes its metadata after), so a read racing an overwrite can see an empty or half-written
 * object with the old length. Reads of a key share a turn; a write waits for the reads and
 * writes before it, and reads that come after a write wait for it.
 */
interface KeyTurns {
  lastWrite: Promise<void>;
  writes: number;
  readonly reads: Set<Promise<void>>;
}

export class ObjectLocks {
  private readonly keys = new Map<string, KeyTurns>();

  read<T>(key: string, action: () => Promise<T>): Promise<T> {
    const entry = this.entry(key);
    const result = entry.lastWrite.then(action);
    const settled = result.then(noop, noop);
    entry.reads.add(settled);
    void settled.then(() => {
      entry.reads.delete(settled);
      this.forget(key, entry);
    });
    return result;
  }

  write<T>(key: string, action: () => Promise<T>): Promise<T> {
    const entry = this.entry(key);
    const result = Promise.all([entry.lastWrite, ...entry.reads]).then(action);
    const settled = result.then(noop, noop);
    entry.lastWrite = settled;
    entry.writes++;
    void settled.then(() => {
      entry.writes--;
      this.forget(key, entry);
    });
    return result;
  }

  /** Keys with a read or a write under way or waiting; none is kept once idle. */
  get size(): number {
    return this.keys.size;
  }

  private entry(key: string): KeyTurns {
    let entry = this.keys.get(key);
    if (!entry) {
      entry = { lastWrite: Promise.resolve(), writes: 0, reads: new Set() };
      this.keys.set(key, entry);
    }
    return entry;
  }

  private forget(key: string, entry: KeyTurns): void {
    if (entry.reads.size === 0 && entry.writes === 0 && this.keys.get(key) === entry) this.keys.delete(key);
  }
}

function noop(): void {}
