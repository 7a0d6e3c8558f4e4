/**
 * What the worker's --expose-gc is for (src/runtime/buffer-release.ts): a stream's socket reads
 * are freed as it goes, instead of piling up to V8's 64 MB external-memory trigger. Measured in
 * a child Node started with the worker's own flags.
 */
import { execFileSync } from 'node:child_process';
import { join } from 'node:path';
import { workerNodeFlags } from '../../dev/worker-command';

const probe = (mode: 'note' | 'plain', flags = workerNodeFlags()) =>
  Number(
    execFileSync(
      process.execPath,
      [
        ...flags,
        '-r',
        join(__dirname, '../../scripts/ts-register.js'),
        join(__dirname, '../support/stream-probe.ts'),
        mode,
      ],
      { encoding: 'utf8', timeout: 60_000 },
    ),
  );

describe('releasing streamed buffers', () => {
  it('keeps the buffers of 256 MiB streamed within a few MiB, where they would pile up', () => {
    expect(workerNodeFlags()).toContain('--expose-gc');
    const noted = probe('note');
    const plain = probe('plain');
    expect(noted).toBeLessThan(32);
    expect(plain).toBeGreaterThan(noted + 24);
  });

  it('does nothing without --expose-gc (the api, tests)', () => {
    const flags = workerNodeFlags().filter((f) => f !== '--expose-gc');
    expect(probe('note', flags)).toBeGreaterThan(40);
  });
});
