import { checkWebhookUrl, isPublicAddress } from './webhook-url';

const production = { httpsOnly: true, allowPrivate: false };

describe('checkWebhookUrl', () => {
  it('accepts a public https URL', () => {
    expect(checkWebhookUrl('https://hooks.example.com/velvet?x=1#frag', production)).toBe(
      'https://hooks.example.com/velvet?x=1',
    );
  });

  it.each([
    'https://127.0.0.1/hook',
    'https://2130706433/hook',
    'https://0x7f.1/hook',
    'https://127.1/hook',
    'https://017700000001/hook',
    'https://10.0.0.5/',
    'https://172.16.3.4/',
    'https://192.168.1.1/',
    'https://169.254.169.254/latest/meta-data/',
    'https://100.64.0.1/',
    'https://0.0.0.0/',
    'https://224.0.0.1/',
    'https://[::1]/',
    'https://[::ffff:127.0.0.1]/',
    'https://[::ffff:7f00:1]/',
    'https://[::ffff:169.254.169.254]/',
    'https://[fd00::1]/',
    'https://[fe80::1]/',
    'https://[ff02::1]/',
    'https://[::]/',
    'https://localhost/',
    'https://foo.localhost/',
  ])('refuses %s', (url) => {
    expect(() => checkWebhookUrl(url, production)).toThrow(expect.objectContaining({ code: 'webhook_url_not_public' }));
  });

  it('refuses http in production, credentials in the URL, and non-URLs', () => {
    expect(() => checkWebhookUrl('http://hooks.example.com/', production)).toThrow(
      expect.objectContaining({ code: 'invalid_webhook_url' }),
    );
    expect(() => checkWebhookUrl('https://user:pw@hooks.example.com/', production)).toThrow(/credentials/);
    expect(() => checkWebhookUrl('not a url', production)).toThrow(
      expect.objectContaining({ code: 'invalid_webhook_url' }),
    );
    expect(() => checkWebhookUrl('ftp://hooks.example.com/', { httpsOnly: false, allowPrivate: false })).toThrow(
      /http or https/,
    );
  });

  it('lets development point at localhost when private addresses are allowed', () => {
    expect(checkWebhookUrl('http://127.0.0.1:4000/hook', { httpsOnly: false, allowPrivate: true })).toBe(
      'http://127.0.0.1:4000/hook',
    );
  });

  it('knows public from non-public addresses', () => {
    expect(isPublicAddress('93.184.216.34')).toBe(true);
    expect(isPublicAddress('2606:2800:220:1:248:1893:25c8:1946')).toBe(true);
    expect(isPublicAddress('::ffff:10.1.2.3')).toBe(false);
  });
});
