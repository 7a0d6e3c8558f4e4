import { existsSync, mkdtempSync, rmSync } from 'node:fs';
import { createServer } from 'node:net';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { ensureRedis, MissingPrerequisite, redisAnswers, requireFfmpeg } from './prerequisites';

async function freePort(): Promise<number> {
  const server = createServer().listen(0, '127.0.0.1');
  await new Promise((resolve) => server.once('listening', resolve));
  const { port } = server.address() as { port: number };
  await new Promise((resolve) => server.close(resolve));
  return port;
}

describe('npm run dev prerequisites', () => {
  // Child processes see the environment passed to them, not jest's copy of process.env.
  const withoutTools = { ...process.env, PATH: '/nonexistent' };

  it('names the command that installs a missing ffmpeg, in one line', () => {
    expect(() => requireFfmpeg(withoutTools)).toThrow(
      new MissingPrerequisite('ffmpeg is not on PATH; install it with: sudo apt-get install -y ffmpeg'),
    );
  });

  it('names the command that installs Redis when none answers and redis-server is missing', async () => {
    const port = await freePort();
    await expect(ensureRedis(`redis://127.0.0.1:${port}`, tmpdir(), withoutTools)).rejects.toThrow(
      /install it with: sudo apt-get install -y redis-server$/,
    );
  });

  it('starts redis-server with its data in the given folder when none answers, and stops it', async () => {
    const url = `redis://127.0.0.1:${await freePort()}`;
    const dir = mkdtempSync(join(tmpdir(), 'velvet-redis-'));
    try {
      expect(await redisAnswers(url)).toBe(false);
      const started = await ensureRedis(url, dir);
      expect(started).not.toBeNull();
      expect(await redisAnswers(url)).toBe(true);
      expect(existsSync(join(dir, 'appendonlydir'))).toBe(true);
      // A second call finds it answering and starts nothing.
      expect(await ensureRedis(url, dir)).toBeNull();
      await started!.stop();
      expect(await redisAnswers(url)).toBe(false);
    } finally {
      rmSync(dir, { recursive: true, force: true });
    }
  });
});
