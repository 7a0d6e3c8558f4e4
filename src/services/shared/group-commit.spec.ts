import { GroupCommit } from './group-commit';

/** A store whose writes finish when the test says so, recording what each write held. */
function gatedStore() {
  const writes: number[][] = [];
  const gates: Array<() => void> = [];
  const write = async (items: number[]) => {
    writes.push(items);
    await new Promise<void>((resolve) => gates.push(resolve));
    if (items.includes(13)) throw new Error('refused 13');
    return items.map((n) => n * 10);
  };
  // Opens every write, including those that start once earlier ones finish (a few ticks later).
  const openAll = async () => {
    for (let idle = 0; idle < 3; idle = gates.length > 0 ? 0 : idle + 1) {
      gates.splice(0).forEach((open) => open());
      await new Promise((resolve) => setTimeout(resolve, 1));
    }
  };
  return { writes, write, openAll };
}

const limits = { batch: 3, concurrency: 1, waiting: 5, overloaded: () => new Error('overloaded') };

describe('group commit', () => {
  it('writes one item at once at rest, and what arrives meanwhile together next, each with its own result', async () => {
    const store = gatedStore();
    const commit = new GroupCommit(store.write, limits);
    const results = [1, 2, 3, 4, 5].map((n) => commit.submit(n));
    expect(commit.backlog).toBe(4);
    await store.openAll();
    expect(await Promise.all(results)).toEqual([10, 20, 30, 40, 50]);
    expect(store.writes).toEqual([[1], [2, 3, 4], [5]]);
  });

  it('refuses past its waiting limit rather than queue without end', async () => {
    const store = gatedStore();
    const commit = new GroupCommit(store.write, limits);
    const accepted = Array.from({ length: 6 }, (_, i) => commit.submit(i));
    await expect(commit.submit(99)).rejects.toThrow('overloaded');
    await store.openAll();
    expect(await Promise.all(accepted)).toHaveLength(6);
  });

  it('fails only the item a write refuses: a shared write is tried again item by item', async () => {
    const store = gatedStore();
    const commit = new GroupCommit(store.write, limits);
    const first = commit.submit(1);
    const shared = Promise.allSettled([12, 13, 14].map((n) => commit.submit(n)));
    await store.openAll();
    await first;
    const settled = await shared;
    expect(settled.map((s) => s.status)).toEqual(['fulfilled', 'rejected', 'fulfilled']);
    expect(store.writes).toEqual([[1], [12, 13, 14], [12], [13], [14]]);
  });

  it('keeps up to its concurrency of writes in flight', async () => {
    const store = gatedStore();
    const commit = new GroupCommit(store.write, { ...limits, concurrency: 2 });
    const results = [1, 2, 3].map((n) => commit.submit(n));
    expect(store.writes).toEqual([[1], [2]]);
    await store.openAll();
    await Promise.all(results);
    expect(store.writes.flat().sort()).toEqual([1, 2, 3]);
  });
});
