import { mapWithLimit, runTogether } from './concurrency';

const waitForAbort = (signal: AbortSignal): Promise<never> =>
  new Promise((_, reject) => signal.addEventListener('abort', () => reject(new Error('aborted')), { once: true }));

describe('mapWithLimit', () => {
  it('keeps the order of the items and at most `limit` calls in flight', async () => {
    let inFlight = 0;
    let most = 0;
    const out = await mapWithLimit([5, 1, 4, 2, 3], 2, async (n) => {
      inFlight += 1;
      most = Math.max(most, inFlight);
      await new Promise((r) => setTimeout(r, n));
      inFlight -= 1;
      return n * 10;
    });
    expect(out).toEqual([50, 10, 40, 20, 30]);
    expect(most).toBe(2);
  });
});

describe('runTogether', () => {
  it('runs every task at once and returns their results in order', async () => {
    const started: number[] = [];
    const out = await runTogether(new AbortController().signal, [
      async () => {
        started.push(0);
        await new Promise((r) => setTimeout(r, 20));
        return 'slow';
      },
      async () => {
        started.push(1);
        return 'fast';
      },
    ]);
    expect(out).toEqual(['slow', 'fast']);
    expect(started).toEqual([0, 1]);
  });

  it('aborts the others on the first failure and throws it once they have stopped', async () => {
    const failure = new Error('chunk failed');
    let siblingStopped = false;
    let siblingReason: unknown;
    const run = runTogether(new AbortController().signal, [
      async (signal) => {
        try {
          return await waitForAbort(signal);
        } finally {
          siblingReason = signal.reason;
          await new Promise((r) => setTimeout(r, 10));
          siblingStopped = true;
        }
      },
      () => Promise.reject(failure),
    ]);
    await expect(run).rejects.toBe(failure);
    expect(siblingStopped).toBe(true);
    expect(siblingReason).toBe(failure);
  });

  it('passes the caller’s abort on to every task, with its reason', async () => {
    const caller = new AbortController();
    const reasons: unknown[] = [];
    const task = async (signal: AbortSignal) => {
      try {
        return await waitForAbort(signal);
      } finally {
        reasons.push(signal.reason);
      }
    };
    const run = runTogether(caller.signal, [task, task]);
    const stop = new Error('worker stopping');
    caller.abort(stop);
    await expect(run).rejects.toThrow('aborted');
    expect(reasons).toEqual([stop, stop]);
  });

  it('starts with the tasks aborted when the caller already is', async () => {
    const caller = new AbortController();
    caller.abort(new Error('gone'));
    const seen = await runTogether(caller.signal, [(signal) => Promise.resolve(signal.aborted)]);
    expect(seen).toEqual([true]);
  });
});
