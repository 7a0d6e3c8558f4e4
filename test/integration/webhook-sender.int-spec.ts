import { HttpWebhookSender } from '../../src/adapters/http.webhook-sender';
import { startReceiver, type Receiver } from '../support/webhook-receiver';

const sender = (allowPrivate: boolean) => new HttpWebhookSender({ webhooks: { allowPrivate } } as any);

/** The address a delivery connects to, checked after DNS every time, and literals before any socket. */
describe('the webhook sender', () => {
  let receiver: Receiver;
  let port: number;
  const strict = sender(false);
  const open = sender(true);

  beforeAll(async () => {
    receiver = await startReceiver((r) => (r.headers['x-answer'] === 'redirect' ? 302 : 200));
    port = Number(new URL(receiver.url).port);
  });

  afterAll(async () => {
    strict.onApplicationShutdown();
    open.onApplicationShutdown();
    await receiver.close();
  });

  it.each([
    ['a name resolving to loopback (checked after DNS)', 'localhost'],
    ['a dotted quad', '127.0.0.1'],
    ['an integer', '2130706433'],
    ['hex', '0x7f.1'],
    ['IPv6 loopback', '[::1]'],
    ['IPv4-mapped IPv6', '[::ffff:127.0.0.1]'],
  ])('refuses %s', async (_, host) => {
    const before = receiver.received.length;
    const result = await strict.post(`http://${host}:${port}/hook`, {}, '{}', 2000);
    expect(result.status).toBeNull();
    expect(result.error).toMatch(/^refused: /);
    expect(receiver.received.length).toBe(before);
  });

  it('tells the owner the host they gave, never the address it resolved to here', async () => {
    const refused = await strict.post(`http://localhost:${port}/hook`, {}, '{}', 2000);
    expect(refused.error).toBe('refused: localhost does not resolve to a public address');
    // A connection that fails (nothing listens on port 9): its code and the host, no address.
    const failed = await open.post('http://localhost:9/hook', {}, '{}', 2000);
    expect(failed.error).toMatch(/^ECONNREFUSED connecting to localhost$/);
    expect(`${refused.error} ${failed.error}`).not.toMatch(/127\.0\.0\.1|::1|:9\b/);
  });

  it('refuses the metadata address before any socket', async () => {
    const result = await strict.post('http://169.254.169.254/latest/meta-data/', {}, '{}', 2000);
    expect(result).toMatchObject({
      status: null,
      error: expect.stringMatching(/^refused: 169\.254\.169\.254 is not a public address/),
    });
  });

  it('posts when private addresses are allowed (development) and never follows a redirect', async () => {
    expect(await open.post(receiver.url, { 'content-type': 'application/json' }, '{"a":1}', 2000)).toMatchObject({
      status: 200,
      error: null,
    });
    expect(receiver.received.at(-1)!.body).toBe('{"a":1}');
    const redirected = await open.post(receiver.url, { 'x-answer': 'redirect' }, '{}', 2000);
    expect(redirected).toMatchObject({ status: 302, error: expect.stringMatching(/^redirect to .* not followed$/) });
  });
});
