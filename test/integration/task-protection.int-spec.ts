/**
 * ECS task scale-in protection while a transcode runs. The ECS container agent cannot run here:
 * a loopback server answers its task-protection endpoint as the agent documents it, and records
 * what the worker asked.
 */
import { createServer, type Server } from 'node:http';
import type { AddressInfo } from 'node:net';
import { fixture } from '../support/fixtures';
import { startStack, uploadFile, waitForFinal, type Stack } from '../support/pipeline';
import { EcsTaskProtection } from '../../src/adapters/ecs.task-protection';
import { TaskProtectionService } from '../../src/services/operations/task-protection.service';
import { testConfig } from '../support/harness';

interface Call {
  readonly at: number;
  readonly method: string;
  readonly path: string;
  readonly body: { ProtectionEnabled?: boolean; ExpiresInMinutes?: number };
}

function startAgent(calls: Call[], refuse = false): Promise<{ server: Server; uri: string }> {
  const server = createServer((req, res) => {
    let text = '';
    req.on('data', (chunk) => (text += chunk));
    req.on('end', () => {
      const body = JSON.parse(text || '{}');
      calls.push({ at: Date.now(), method: req.method!, path: req.url!, body });
      res.setHeader('content-type', 'application/json');
      if (refuse) {
        res.statusCode = 400;
        res.end(JSON.stringify({ error: { Code: 'AccessDeniedException', Message: 'not allowed' } }));
        return;
      }
      res.end(JSON.stringify({ protection: { ProtectionEnabled: body.ProtectionEnabled, TaskArn: 'arn:aws:ecs:x' } }));
    });
  });
  return new Promise((resolve) =>
    server.listen(0, '127.0.0.1', () =>
      resolve({ server, uri: `http://127.0.0.1:${(server.address() as AddressInfo).port}/api/task-1` }),
    ),
  );
}

describe('ECS task scale-in protection', () => {
  const calls: Call[] = [];
  let agent: { server: Server; uri: string };
  let stack: Stack;

  beforeAll(async () => {
    agent = await startAgent(calls);
    stack = await startStack({ ECS_AGENT_URI: agent.uri, TASK_PROTECTION_MINUTES: '30' });
  });
  afterAll(async () => {
    await stack?.close();
    agent?.server.close();
  });

  it('protects the task while a transcode runs, and releases it once the video is ready', async () => {
    const id = await uploadFile(stack.user, fixture('standard'), 'video/mp4');
    const video = await waitForFinal(stack.user, id);
    expect(video.status).toBe('ready');
    // The row turns ready before the job's own end, which releases the task: wait for that release.
    for (const deadline = Date.now() + 10_000; calls.at(-1)?.body.ProtectionEnabled !== false && Date.now() < deadline;)
      await new Promise((r) => setTimeout(r, 50));
    await stack.worker.get(TaskProtectionService, { strict: false }).settled();
    expect(calls.length).toBeGreaterThanOrEqual(2);
    for (const call of calls) {
      expect(call.method).toBe('PUT');
      expect(call.path).toBe('/api/task-1/task-protection/v1/state');
    }
    expect(calls[0]!.body).toEqual({ ProtectionEnabled: true, ExpiresInMinutes: 30 });
    expect(calls.at(-1)!.body).toEqual({ ProtectionEnabled: false });
    // Each job protects before it runs and releases after: protect and release alternate (between
    // two jobs of the video the task is briefly unprotected, as it holds no work then).
    expect(calls.map((c) => c.body.ProtectionEnabled)).toEqual(calls.map((_, i) => i % 2 === 0));
  });
});

describe('the protection holder', () => {
  it('protects on the first hold and releases with the last, each release counted once; a refusing agent breaks nothing', async () => {
    const calls: Call[] = [];
    const agent = await startAgent(calls);
    const refusals: Call[] = [];
    const refusing = await startAgent(refusals, true);
    try {
      const config = testConfig({ ECS_AGENT_URI: agent.uri, TASK_PROTECTION_MINUTES: '1' });
      const holder = new TaskProtectionService(new EcsTaskProtection(config), config);
      const first = holder.hold();
      const second = holder.hold();
      first();
      first();
      await holder.settled();
      expect(calls.map((c) => c.body)).toEqual([{ ProtectionEnabled: true, ExpiresInMinutes: 1 }]);
      second();
      await holder.settled();
      expect(calls.map((c) => c.body.ProtectionEnabled)).toEqual([true, false]);

      const refusedConfig = testConfig({ ECS_AGENT_URI: refusing.uri });
      const refused = new EcsTaskProtection(refusedConfig);
      await expect(refused.protect(5)).resolves.toBe(false);
      const release = new TaskProtectionService(refused, refusedConfig).hold();
      expect(release).not.toThrow();
      // Not on ECS: nothing to call, and nothing fails.
      const off = new EcsTaskProtection(testConfig({}));
      expect(off.available).toBe(false);
      await expect(off.protect(5)).resolves.toBe(true);
    } finally {
      agent.server.close();
      refusing.server.close();
    }
  });
});
