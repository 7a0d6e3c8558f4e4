import { S3Client } from '@aws-sdk/client-s3';
import { S3ObjectStorage } from './s3.object-storage';

describe('S3ObjectStorage presigning without credentials', () => {
  // A credential chain that finds nothing, as on a machine with no role, profile or keys.
  const noCredentials = () =>
    Promise.reject(
      Object.assign(new Error('Could not load credentials from any providers'), { name: 'CredentialsProviderError' }),
    );
  const client = new S3Client({
    region: 'us-east-1',
    endpoint: 'http://127.0.0.1:9',
    forcePathStyle: true,
    credentials: noCredentials,
  });
  const storage = new S3ObjectStorage({ data: client, presigner: client }, 'velvet-test');
  const unavailable = { code: 'dependency_unavailable', message: expect.stringContaining('CredentialsProviderError') };

  it('answers dependency_unavailable (503), not an internal error, for every presigned URL', async () => {
    await expect(storage.presignDownload('uploads/x/source', 'a.mp4', 60)).rejects.toMatchObject(unavailable);
    await expect(
      storage.presignPost({ key: 'uploads/x/source', contentType: 'video/mp4', sizeBytes: 10, expiresInSeconds: 60 }),
    ).rejects.toMatchObject(unavailable);
    await expect(
      storage.presignUploadPart({
        key: 'uploads/x/source',
        uploadId: 'u',
        partNumber: 1,
        contentLength: 10,
        expiresInSeconds: 60,
      }),
    ).rejects.toMatchObject(unavailable);
  });
});
