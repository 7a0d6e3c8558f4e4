import {
  AbortMultipartUploadCommand,
  CompleteMultipartUploadCommand,
  CopyObjectCommand,
  CreateMultipartUploadCommand,
  DeleteObjectsCommand,
  GetObjectCommand,
  HeadObjectCommand,
  ListObjectsV2Command,
  ListPartsCommand,
  PutObjectCommand,
  S3ServiceException,
  UploadPartCommand,
} from '@aws-sdk/client-s3';
import { Upload } from '@aws-sdk/lib-storage';
import { createPresignedPost } from '@aws-sdk/s3-presigned-post';
import { getSignedUrl } from '@aws-sdk/s3-request-presigner';
import { createReadStream, createWriteStream } from 'node:fs';
import { readFile, stat } from 'node:fs/promises';
import type { Readable } from 'node:stream';
import { pipeline } from 'node:stream/promises';
import { Inject, Injectable } from '@nestjs/common';
import { attachmentDisposition } from '../../domain/content-disposition';
import { DomainError } from '../../domain/errors';
import type { PartRef, StoredPart } from '../../domain/upload-plan';
import {
  ObjectChangedError,
  ObjectStorage,
  type ObjectHeaders,
  type ObjectStream,
  type PresignedPost,
  type StoredObject,
} from '../../ports/object-storage';
import { noteStreamed } from '../../runtime/buffer-release';
import type { S3Clients } from './s3-clients';

export const S3_CLIENTS = Symbol('S3_CLIENTS');
export const S3_BUCKET = Symbol('S3_BUCKET');

// Files up to this size go up in one PutObject from one read (segments, tiles, posters: a few MB).
const SINGLE_PUT_MAX_BYTES = 16 * 1024 * 1024;
const NOT_FOUND = new Set(['NotFound', 'NoSuchKey']);
const REJECTED_PARTS = new Set(['InvalidPart', 'InvalidPartOrder', 'EntityTooSmall']);

@Injectable()
export class S3ObjectStorage extends ObjectStorage {
  constructor(
    @Inject(S3_CLIENTS) private readonly clients: S3Clients,
    @Inject(S3_BUCKET) private readonly bucket: string,
  ) {
    super();
  }

  async head(key: string): Promise<StoredObject | null> {
    try {
      const out = await this.clients.data.send(new HeadObjectCommand({ Bucket: this.bucket, Key: key }));
      return { size: out.ContentLength ?? 0, etag: out.ETag ?? '', contentType: out.ContentType };
    } catch (error) {
      if (error instanceof S3ServiceException && NOT_FOUND.has(error.name)) return null;
      throw classify(error, key);
    }
  }

  async download(key: string, path: string, conditions: { ifMatch?: string } = {}): Promise<void> {
    try {
      const out = await this.clients.data.send(
        new GetObjectCommand({ Bucket: this.bucket, Key: key, IfMatch: conditions.ifMatch }),
      );
      const body = out.Body as Readable;
      body.on('data', (chunk: Buffer) => noteStreamed(chunk.length));
      await pipeline(body, createWriteStream(path));
    } catch (error) {
      throw classify(error, key);
    }
  }

  async uploadFile(key: string, path: string, headers: ObjectHeaders): Promise<void> {
    try {
      const { size } = await stat(path);
      if (size <= SINGLE_PUT_MAX_BYTES) {
        // Read whole, once: lib-storage gathers a file's stream reads and then joins them, twice
        // its size, and a chunk uploads four segments at a time.
        await this.clients.data.send(
          new PutObjectCommand({
            Bucket: this.bucket,
            Key: key,
            Body: await readFile(path),
            ...objectHeaders(headers),
          }),
        );
        noteStreamed(size);
        return;
      }
      await new Upload({
        client: this.clients.data,
        params: { Bucket: this.bucket, Key: key, Body: createReadStream(path), ...objectHeaders(headers) },
        // 8 MiB parts, 4 at a time: at most 32 MiB of one file in memory, whatever its size.
        partSize: 8 * 1024 * 1024,
        queueSize: 4,
      }).done();
    } catch (error) {
      throw classify(error);
    }
  }

  async putObject(key: string, body: string | Buffer, headers: ObjectHeaders): Promise<void> {
    try {
      await this.clients.data.send(
        new PutObjectCommand({ Bucket: this.bucket, Key: key, Body: body, ...objectHeaders(headers) }),
      );
    } catch (error) {
      throw classify(error);
    }
  }

  async copyObject(from: string, to: string, headers: { contentType: string; cacheControl: string }): Promise<void> {
    try {
      await this.clients.data.send(
        new CopyObjectCommand({
          Bucket: this.bucket,
          Key: to,
          // Keys are built by storage-keys from validated ids: nothing in them needs escaping but '/'.
          CopySource: `${this.bucket}/${from.split('/').map(encodeURIComponent).join('/')}`,
          MetadataDirective: 'REPLACE',
          ContentType: headers.contentType,
          CacheControl: headers.cacheControl,
        }),
      );
    } catch (error) {
      throw classify(error);
    }
  }

  async listObjects(prefix: string): Promise<Array<{ key: string; size: number }>> {
    const objects: Array<{ key: string; size: number }> = [];
    let token: string | undefined;
    try {
      do {
        const page = await this.clients.data.send(
          new ListObjectsV2Command({ Bucket: this.bucket, Prefix: prefix, ContinuationToken: token }),
        );
        for (const o of page.Contents ?? []) if (o.Key) objects.push({ key: o.Key, size: o.Size ?? 0 });
        token = page.IsTruncated ? page.NextContinuationToken : undefined;
      } while (token);
    } catch (error) {
      throw classify(error);
    }
    return objects;
  }

  async listChildPrefixes(prefix: string): Promise<string[]> {
    const prefixes: string[] = [];
    let token: string | undefined;
    try {
      do {
        const page = await this.clients.data.send(
          new ListObjectsV2Command({ Bucket: this.bucket, Prefix: prefix, Delimiter: '/', ContinuationToken: token }),
        );
        for (const p of page.CommonPrefixes ?? []) if (p.Prefix) prefixes.push(p.Prefix);
        token = page.IsTruncated ? page.NextContinuationToken : undefined;
      } while (token);
    } catch (error) {
      throw classify(error);
    }
    return prefixes;
  }

  async openObject(
    key: string,
    conditions: { range?: string; ifNoneMatch?: string; ifMatch?: string },
  ): Promise<ObjectStream | null> {
    try {
      const out = await this.clients.data.send(
        new GetObjectCommand({
          Bucket: this.bucket,
          Key: key,
          Range: conditions.range,
          IfNoneMatch: conditions.ifNoneMatch,
          IfMatch: conditions.ifMatch,
        }),
      );
      const headers: Record<string, string> = {};
      const set = (name: string, value: string | number | Date | undefined) => {
        if (value !== undefined) headers[name] = value instanceof Date ? value.toUTCString() : String(value);
      };
      set('content-type', out.ContentType);
      set('content-length', out.ContentLength);
      set('content-range', out.ContentRange);
      set('etag', out.ETag);
      set('cache-control', out.CacheControl);
      set('content-disposition', out.ContentDisposition);
      set('last-modified', out.LastModified);
      set('accept-ranges', out.AcceptRanges ?? 'bytes');
      return { status: out.ContentRange ? 206 : 200, headers, body: out.Body as Readable };
    } catch (error) {
      const status = error instanceof S3ServiceException ? error.$metadata.httpStatusCode : undefined;
      if (status === 304)
        return { status: 304, headers: conditions.ifNoneMatch ? { etag: conditions.ifNoneMatch } : {}, body: null };
      if (status === 416) return { status: 416, headers: {}, body: null };
      if (error instanceof S3ServiceException && NOT_FOUND.has(error.name)) return null;
      throw classify(error, key);
    }
  }

  async deletePrefix(prefix: string): Promise<number> {
    let deleted = 0;
    let token: string | undefined;
    try {
      do {
        const page = await this.clients.data.send(
          new ListObjectsV2Command({ Bucket: this.bucket, Prefix: prefix, ContinuationToken: token }),
        );
        const keys = (page.Contents ?? []).flatMap((o) => (o.Key ? [{ Key: o.Key }] : []));
        if (keys.length > 0) {
          const out = await this.clients.data.send(
            new DeleteObjectsCommand({ Bucket: this.bucket, Delete: { Objects: keys, Quiet: true } }),
          );
          if (out.Errors?.length) {
            throw new DomainError(
              'dependency_unavailable',
              `Storage kept ${out.Errors.length} objects under ${prefix}.`,
            );
          }
          deleted += keys.length;
        }
        token = page.IsTruncated ? page.NextContinuationToken : undefined;
      } while (token);
    } catch (error) {
      throw classify(error);
    }
    return deleted;
  }

  async ping(): Promise<void> {
    try {
      // A one-key listing of videos/, not HeadBucket: the IAM policies (infra/) grant ListBucket
      // only on Velvet's prefixes, and HeadBucket, which names no prefix, would be denied.
      await this.clients.data.send(new ListObjectsV2Command({ Bucket: this.bucket, Prefix: 'videos/', MaxKeys: 1 }));
    } catch (error) {
      throw classify(error);
    }
  }

  async presignPost(input: {
    key: string;
    contentType: string;
    sizeBytes: number;
    expiresInSeconds: number;
  }): Promise<PresignedPost> {
    const { url, fields } = await presigning(() =>
      createPresignedPost(this.clients.presigner, {
        Bucket: this.bucket,
        Key: input.key,
        Fields: { 'Content-Type': input.contentType },
        Conditions: [['content-length-range', input.sizeBytes, input.sizeBytes]],
        Expires: input.expiresInSeconds,
      }),
    );
    return { url, fields };
  }

  presignDownload(key: string, downloadName: string, expiresInSeconds: number): Promise<string> {
    return presigning(() =>
      getSignedUrl(
        this.clients.presigner,
        new GetObjectCommand({
          Bucket: this.bucket,
          Key: key,
          ResponseContentDisposition: attachmentDisposition(downloadName),
        }),
        { expiresIn: expiresInSeconds },
      ),
    );
  }

  async createMultipartUpload(key: string, contentType: string): Promise<string> {
    try {
      const out = await this.clients.data.send(
        new CreateMultipartUploadCommand({ Bucket: this.bucket, Key: key, ContentType: contentType }),
      );
      if (!out.UploadId) throw new DomainError('dependency_unavailable', 'Storage returned no upload id.');
      return out.UploadId;
    } catch (error) {
      throw classify(error);
    }
  }

  presignUploadPart(input: {
    key: string;
    uploadId: string;
    partNumber: number;
    contentLength: number;
    expiresInSeconds: number;
  }): Promise<string> {
    return presigning(() =>
      getSignedUrl(
        this.clients.presigner,
        new UploadPartCommand({
          Bucket: this.bucket,
          Key: input.key,
          UploadId: input.uploadId,
          PartNumber: input.partNumber,
          // Signed (X-Amz-SignedHeaders=content-length;host): a body of any other length is refused.
          ContentLength: input.contentLength,
        }),
        { expiresIn: input.expiresInSeconds },
      ),
    );
  }

  async listParts(key: string, uploadId: string): Promise<StoredPart[] | null> {
    const parts: StoredPart[] = [];
    let marker: string | undefined;
    try {
      do {
        const page = await this.clients.data.send(
          new ListPartsCommand({ Bucket: this.bucket, Key: key, UploadId: uploadId, PartNumberMarker: marker }),
        );
        for (const p of page.Parts ?? []) {
          if (p.PartNumber && p.ETag) parts.push({ partNumber: p.PartNumber, etag: p.ETag, size: p.Size ?? 0 });
        }
        marker = page.IsTruncated ? page.NextPartNumberMarker : undefined;
      } while (marker);
    } catch (error) {
      if (error instanceof S3ServiceException && error.name === 'NoSuchUpload') return null;
      throw classify(error);
    }
    return parts;
  }

  async completeMultipartUpload(key: string, uploadId: string, parts: readonly PartRef[]): Promise<boolean> {
    try {
      await this.clients.data.send(
        new CompleteMultipartUploadCommand({
          Bucket: this.bucket,
          Key: key,
          UploadId: uploadId,
          MultipartUpload: { Parts: parts.map((p) => ({ PartNumber: p.partNumber, ETag: p.etag })) },
        }),
      );
      return true;
    } catch (error) {
      if (error instanceof S3ServiceException && error.name === 'NoSuchUpload') return false;
      if (error instanceof S3ServiceException && REJECTED_PARTS.has(error.name)) {
        throw new DomainError('invalid_parts', `Storage rejected the parts: ${error.message}`);
      }
      throw classify(error);
    }
  }

  async abortMultipartUpload(key: string, uploadId: string): Promise<void> {
    try {
      await this.clients.data.send(
        new AbortMultipartUploadCommand({ Bucket: this.bucket, Key: key, UploadId: uploadId }),
      );
    } catch (error) {
      if (error instanceof S3ServiceException && error.name === 'NoSuchUpload') return;
      throw classify(error);
    }
  }
}

/** Network failures, throttling and 5xx are transient; the rest is a permanent error as thrown. */
/** Presigning is local, but needs credentials: without them the storage is unavailable (503). */
async function presigning<T>(sign: () => Promise<T>): Promise<T> {
  try {
    return await sign();
  } catch (error) {
    throw classify(error);
  }
}

function objectHeaders(h: ObjectHeaders): { ContentType: string; CacheControl: string; ContentDisposition?: string } {
  return {
    ContentType: h.contentType,
    CacheControl: h.cacheControl,
    ...(h.contentDisposition ? { ContentDisposition: h.contentDisposition } : {}),
  };
}

function classify(error: unknown, key?: string): unknown {
  if (error instanceof DomainError) return error;
  const status = error instanceof S3ServiceException ? error.$metadata.httpStatusCode : undefined;
  if (status === 412 && key) return new ObjectChangedError(key);
  if (status === undefined || status >= 500 || status === 429) {
    return new DomainError('dependency_unavailable', `Object storage is unavailable (${describe(error)}).`);
  }
  return error;
}

function describe(error: unknown): string {
  return error instanceof Error ? `${error.name}: ${error.message}` : String(error);
}
