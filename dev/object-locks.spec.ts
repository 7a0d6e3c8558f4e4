import { ObjectLocks } from './object-locks';

const tick = () => new Promise((r) => setImmediate(r));

/** A step that finishes when told to, recording when it ran. */
function step(log: string[], name: string) {
  let finish = () => {};
  const done = new Promise<void>((r) => (finish = r));
  return {
    run: async () => {
      log.push(`${name} start`);
      await done;
      log.push(`${name} end`);
    },
    finish: () => finish(),
  };
}

describe('ObjectLocks', () => {
  it('lets reads of one key run together and a write wait for them', async () => {
    const locks = new ObjectLocks();
    const log: string[] = [];
    const [r1, r2, w] = [step(log, 'r1'), step(log, 'r2'), step(log, 'w')];
    const all = [locks.read('k', r1.run), locks.read('k', r2.run), locks.write('k', w.run)];
    await tick();
    expect(log).toEqual(['r1 start', 'r2 start']);
    r1.finish();
    await tick();
    expect(log).not.toContain('w start');
    r2.finish();
    await tick();
    expect(log.at(-1)).toBe('w start');
    w.finish();
    await Promise.all(all);
    expect(locks.size).toBe(0);
  });

  it('holds a read that comes after a write until the write is done, and leaves other keys alone', async () => {
    const locks = new ObjectLocks();
    const log: string[] = [];
    const [w, r, other] = [step(log, 'w'), step(log, 'r'), step(log, 'other')];
    const all = [locks.write('k', w.run), locks.read('k', r.run), locks.read('j', other.run)];
    await tick();
    expect(log.sort()).toEqual(['other start', 'w start']);
    w.finish();
    await tick();
    expect(log.at(-1)).toBe('r start');
    r.finish();
    other.finish();
    await Promise.all(all);
    expect(locks.size).toBe(0);
  });

  it('passes a failed write on to its caller and still runs what waited for it', async () => {
    const locks = new ObjectLocks();
    const failed = locks.write('k', () => Promise.reject(new Error('upstream down')));
    const after = locks.read('k', async () => 'read');
    await expect(failed).rejects.toThrow('upstream down');
    await expect(after).resolves.toBe('read');
    expect(locks.size).toBe(0);
  });
});
