import { spawn } from 'node:child_process';
import { join } from 'node:path';
import { testEnv } from '../support/harness';

/**
 * Every Velvet process runs on Node 24, however old the machine's own `node` is: npm scripts put
 * node_modules/.bin (where `npm ci` linked the pinned Node) first on PATH, and a child started
 * as `node` from that PATH, as `npm run start:worker` starts the worker, must land on it too.
 */
describe('the Node.js runtime', () => {
  it('runs jest itself on Node 24', () => {
    expect(process.versions.node.split('.')[0]).toBe('24');
  });

  it('starts a worker, spawned as `node` from PATH, on Node 24, without the AWS SDK’s Node-version warning', async () => {
    const child = spawn(
      'node',
      ['-r', join(__dirname, '../../scripts/ts-register.js'), join(__dirname, '../../worker/main.ts')],
      {
        env: { ...process.env, ...testEnv({ LOG_LEVEL: 'log', TRANSCODE_CONCURRENCY: '1' }) },
        stdio: ['ignore', 'pipe', 'pipe'],
      },
    );
    let output = '';
    const exited = new Promise<number | null>((resolve) => child.once('exit', (code) => resolve(code)));
    const started = new Promise<string>((resolve, reject) => {
      const timer = setTimeout(() => reject(new Error(`the worker never said it started:\n${output}`)), 30_000);
      const read = (chunk: Buffer) => {
        output += chunk.toString();
        const match = /worker started on Node (v\d+\.\d+\.\d+)/.exec(output);
        if (match) {
          clearTimeout(timer);
          resolve(match[1]!);
        }
      };
      child.stdout!.on('data', read);
      child.stderr!.on('data', read);
      void exited.then(() => reject(new Error(`the worker exited before it started:\n${output}`)));
    });
    try {
      const version = await started;
      expect(version.split('.')[0]).toBe('v24');
    } finally {
      child.kill('SIGTERM');
      await exited;
    }
    // The SDK warns once, as soon as a client is made: the worker makes its S3 client at boot.
    expect(output).not.toMatch(/NodeVersionSupportWarning|will require node/);
    expect(output).not.toMatch(/DeprecationWarning|ExperimentalWarning/);
  });
});
