import { signPolicy, verifyPostPolicy } from './post-policy';

const secret = 'S3RVER';
const now = new Date('2026-11-25T12:00:00Z');

function form(
  conditions: unknown[],
  fields: Record<string, string>,
  fileSize: number,
  expiration = '2026-11-25T12:15:00Z',
) {
  const policy = Buffer.from(JSON.stringify({ expiration, conditions })).toString('base64');
  const all = {
    ...fields,
    'X-Amz-Algorithm': 'AWS4-HMAC-SHA256',
    'X-Amz-Credential': 'S3RVER/20261125/us-east-1/s3/aws4_request',
    Policy: policy,
    'X-Amz-Signature': signPolicy(policy, secret, '20261125', 'us-east-1'),
  };
  return { fields: Object.entries(all), fileSize };
}

const conditions = [
  { bucket: 'b' },
  { key: 'uploads/x/source' },
  { 'Content-Type': 'video/mp4' },
  { 'X-Amz-Algorithm': 'AWS4-HMAC-SHA256' },
  { 'X-Amz-Credential': 'S3RVER/20261125/us-east-1/s3/aws4_request' },
  ['content-length-range', 10, 10],
];
const fields = { bucket: 'b', key: 'uploads/x/source', 'Content-Type': 'video/mp4' };
const verify = (f: ReturnType<typeof form>, at = now) =>
  verifyPostPolicy(f, 'b', at, (id) => (id === 'S3RVER' ? secret : undefined));

describe('verifyPostPolicy', () => {
  it('accepts a form that meets every condition', () => {
    expect(verify(form(conditions, fields, 10))).toEqual({ ok: true });
  });
  it('refuses the wrong size, type, key or bucket', () => {
    expect(verify(form(conditions, fields, 11))).toMatchObject({ ok: false, code: 'EntityTooLarge' });
    expect(verify(form(conditions, fields, 9))).toMatchObject({ ok: false, code: 'EntityTooSmall' });
    expect(verify(form(conditions, { ...fields, 'Content-Type': 'text/html' }, 10))).toMatchObject({
      ok: false,
      status: 403,
    });
    expect(verify(form(conditions, { ...fields, key: 'uploads/y/source' }, 10))).toMatchObject({
      ok: false,
      status: 403,
    });
    expect(verifyPostPolicy(form(conditions, fields, 10), 'other', now, () => secret)).toMatchObject({
      ok: false,
      status: 403,
    });
  });
  it('refuses fields no condition covers, but not the exempt ones', () => {
    expect(verify(form(conditions, { ...fields, acl: 'public-read' }, 10))).toMatchObject({
      ok: false,
      message: expect.stringContaining('Extra input fields: acl'),
    });
    expect(verify(form(conditions, { ...fields, 'x-ignore-me': '1' }, 10))).toEqual({ ok: true });
  });
  it('refuses an expired policy, a bad signature and an unknown key', () => {
    expect(verify(form(conditions, fields, 10), new Date('2026-11-25T12:15:00Z'))).toMatchObject({
      ok: false,
      message: expect.stringContaining('expired'),
    });
    const tampered = form(conditions, fields, 10);
    const fieldsWithBadSig = tampered.fields.map(
      ([k, v]) => [k, k === 'X-Amz-Signature' ? '0'.repeat(64) : v] as [string, string],
    );
    expect(verify({ ...tampered, fields: fieldsWithBadSig })).toMatchObject({
      ok: false,
      code: 'SignatureDoesNotMatch',
    });
    const stranger = form(conditions, fields, 10);
    const fieldsWithStranger = stranger.fields.map(
      ([k, v]) => [k, k === 'X-Amz-Credential' ? v.replace('S3RVER', 'AKIAX') : v] as [string, string],
    );
    expect(verify({ ...stranger, fields: fieldsWithStranger })).toMatchObject({
      ok: false,
      code: 'InvalidAccessKeyId',
    });
  });
  it('supports starts-with conditions', () => {
    const loose = conditions.map((c) =>
      'Content-Type' in (c as object) ? ['starts-with', '$Content-Type', 'video/'] : c,
    );
    expect(verify(form(loose, { ...fields, 'Content-Type': 'video/webm' }, 10))).toEqual({ ok: true });
    expect(verify(form(loose, { ...fields, 'Content-Type': 'audio/mpeg' }, 10))).toMatchObject({ ok: false });
  });
});
