import { randomBytes } from 'node:crypto';
import { PutObjectCommand } from '@aws-sdk/client-s3';
import { getSignedUrl } from '@aws-sdk/s3-request-presigner';
import { createS3Clients } from '../../src/adapters/s3/s3-clients';
import { verifyPostPolicy } from '../../dev/post-policy';
import { client, postForm, startApi, token, type Api, type RunningApi } from '../support/harness';

/** What storage itself refuses, through the verifying front, with artifacts the api presigned. */
describe('storage refuses bytes the presigned artifacts do not allow', () => {
  let api: RunningApi;
  let alice: Api;

  beforeAll(async () => {
    api = await startApi({
      UPLOAD_URL_TTL_SECONDS: '60',
      UPLOAD_SINGLE_MAX_BYTES: String(6 * 1024 * 1024),
      UPLOAD_PART_BYTES: String(5 * 1024 * 1024),
    });
    alice = client(api.url, await token('alice'));
  });
  afterAll(() => api.close());

  async function single(sizeBytes = 1000, contentType = 'video/mp4') {
    const created = await alice('POST', '/v1/videos', { title: 'x', contentType, sizeBytes });
    expect(created.status).toBe(201);
    return created.json as { video: { id: string }; upload: { url: string; fields: Record<string, string> } };
  }

  async function refusal(response: Response): Promise<{ status: number; code: string }> {
    const text = await response.text();
    return { status: response.status, code: /<Code>([^<]+)<\/Code>/.exec(text)?.[1] ?? text };
  }

  it('accepts the declared bytes, so the refusals below are about the difference alone', async () => {
    const { upload } = await single();
    expect((await postForm(upload, randomBytes(1000), 'video/mp4')).status).toBe(204);
  });

  it('refuses a form upload larger or smaller than declared', async () => {
    const { upload } = await single();
    expect(await refusal(await postForm(upload, randomBytes(1001), 'video/mp4'))).toEqual({
      status: 400,
      code: 'EntityTooLarge',
    });
    expect(await refusal(await postForm(upload, randomBytes(999), 'video/mp4'))).toEqual({
      status: 400,
      code: 'EntityTooSmall',
    });
  });

  it('refuses another Content-Type, another key, a tampered signature or an extra field', async () => {
    const { video, upload } = await single();
    const bytes = randomBytes(1000);
    expect(await refusal(await postForm(upload, bytes, 'text/html', { 'Content-Type': 'text/html' }))).toEqual({
      status: 403,
      code: 'AccessDenied',
    });
    expect(await refusal(await postForm(upload, bytes, 'video/mp4', { key: `uploads/${video.id}/other` }))).toEqual({
      status: 403,
      code: 'AccessDenied',
    });
    const signature = upload.fields['X-Amz-Signature']!;
    const tampered = (signature[0] === 'a' ? 'b' : 'a') + signature.slice(1);
    expect(await refusal(await postForm(upload, bytes, 'video/mp4', { 'X-Amz-Signature': tampered }))).toEqual({
      status: 403,
      code: 'SignatureDoesNotMatch',
    });
    expect(await refusal(await postForm(upload, bytes, 'video/mp4', { 'x-amz-meta-evil': '1' }))).toEqual({
      status: 403,
      code: 'AccessDenied',
    });
  });

  it('refuses a form upload after its policy expired', async () => {
    const { upload } = await single();
    const policy = JSON.parse(Buffer.from(upload.fields.Policy!, 'base64').toString());
    expect(Date.parse(policy.expiration) - Date.now()).toBeLessThanOrEqual(60_000);
    // Re-encoding the policy with an old expiry invalidates the signature, so expiry is shown by
    // the front's clock instead: the same policy, judged a minute later.
    const later = new Date(Date.parse(policy.expiration) + 1000);
    const verdict = verifyPostPolicy(
      { fields: Object.entries({ ...upload.fields }), fileSize: 1000 },
      api.config.s3.bucket,
      later,
      () => 'S3RVER',
    );
    expect(verdict).toMatchObject({ ok: false, status: 403, message: expect.stringContaining('expired') });
  });

  it('refuses unsigned writes and reads of the private bucket', async () => {
    const { video } = await single();
    const objectUrl = `${api.config.s3.endpoint}/${api.config.s3.bucket}/uploads/${video.id}/source`;
    expect((await fetch(objectUrl, { method: 'PUT', body: 'x' })).status).toBe(403);
    expect((await fetch(objectUrl)).status).toBe(403);
  });

  it('refuses a part of another length, a part URL reused for another part, and tampered part URLs', async () => {
    const created = await alice('POST', '/v1/videos', {
      title: 'parts',
      contentType: 'video/mp4',
      sizeBytes: 11 * 1024 * 1024,
    });
    const { video, upload } = created.json;
    expect(upload).toMatchObject({ strategy: 'multipart', partSize: 5 * 1024 * 1024, partCount: 3 });
    const parts = (await alice('POST', `/v1/videos/${video.id}/upload/parts`, { partNumbers: [1, 3] })).json.parts;
    const [one, three] = parts as { url: string }[];
    expect((await fetch(one!.url, { method: 'PUT', body: randomBytes(5 * 1024 * 1024 + 1) })).status).toBe(403);
    const reused = one!.url.replace('partNumber=1', 'partNumber=2');
    expect((await fetch(reused, { method: 'PUT', body: randomBytes(5 * 1024 * 1024) })).status).toBe(403);
    const tampered = three!.url.replace(
      /X-Amz-Signature=([0-9a-f])/,
      (_, c: string) => `X-Amz-Signature=${c === 'a' ? 'b' : 'a'}`,
    );
    expect((await fetch(tampered, { method: 'PUT', body: randomBytes(1024 * 1024) })).status).toBe(403);
    // The genuine URL with the right length works.
    expect((await fetch(three!.url, { method: 'PUT', body: randomBytes(1024 * 1024) })).status).toBe(200);
  });

  it('refuses a URL signed correctly but used after it expired', async () => {
    const { presigner } = createS3Clients(api.config.s3);
    const sign = (signingDate: Date) =>
      getSignedUrl(
        presigner,
        new PutObjectCommand({ Bucket: api.config.s3.bucket, Key: 'uploads/expiry-check/source', ContentLength: 10 }),
        { expiresIn: 60, signingDate },
      );
    expect((await fetch(await sign(new Date()), { method: 'PUT', body: randomBytes(10) })).status).toBe(200);
    const stale = await sign(new Date(Date.now() - 61_000));
    expect((await fetch(stale, { method: 'PUT', body: randomBytes(10) })).status).toBe(403);
    presigner.destroy();
  });
});

describe('a storage outage, as a client sees it', () => {
  it('answers 503 dependency_unavailable without naming the internal address it could not reach', async () => {
    // Nothing listens on port 9: every storage call fails to connect.
    const api = await startApi({ S3_ENDPOINT: 'http://127.0.0.1:9', UPLOAD_SINGLE_MAX_BYTES: '1000' });
    try {
      const alice = client(api.url, await token('outage'));
      // Larger than a single upload: creating it starts a multipart upload in storage.
      const res = await alice('POST', '/v1/videos', { title: 'x', contentType: 'video/mp4', sizeBytes: 10_000_000 });
      expect(res.status).toBe(503);
      expect(res.json.code).toBe('dependency_unavailable');
      expect(res.text).not.toMatch(/127\.0\.0\.1|:9\b|ECONNREFUSED 1/);
    } finally {
      await api.close();
    }
  });
});
