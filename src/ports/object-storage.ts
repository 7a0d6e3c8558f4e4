import type { Readable } from 'node:stream';
import type { PartRef, StoredPart } from '../domain/upload-plan';

export interface StoredObject {
  readonly size: number;
  readonly etag: string;
  readonly contentType: string | undefined;
}

export interface ObjectStream {
  /** 200, 206 for a range, 304 when If-None-Match matched, 416 for a range past the end. */
  readonly status: 200 | 206 | 304 | 416;
  readonly headers: Readonly<Record<string, string>>;
  /** Null for a 304 or a 416. */
  readonly body: Readable | null;
}

/** A read pinned to an ETag (If-Match) found the object replaced since: S3's 412. */
export class ObjectChangedError extends Error {
  constructor(readonly key: string) {
    super(`${key} is no longer the version that was read before`);
    this.name = 'ObjectChangedError';
  }
}

/** What is stored with an object and sent back with it. */
export interface ObjectHeaders {
  readonly contentType: string;
  readonly cacheControl: string;
  /** `attachment; filename=…` for a file meant to be saved (a download). */
  readonly contentDisposition?: string;
}

export interface PresignedPost {
  readonly url: string;
  readonly fields: Readonly<Record<string, string>>;
}

/**
 * The private bucket. Methods take keys, never URLs or file paths. Outages surface as
 * DomainError `dependency_unavailable` (transient, worth a retry); everything else is permanent.
 */
export abstract class ObjectStorage {
  /** Metadata of an object, or null when there is none. */
  abstract head(key: string): Promise<StoredObject | null>;
  /** Streams an object into a local file (never whole in memory); with `ifMatch`, only that version (else ObjectChangedError). */
  abstract download(key: string, path: string, conditions?: { ifMatch?: string }): Promise<void>;
  /** Uploads a local file (multipart when large, bounded concurrency). */
  abstract uploadFile(key: string, path: string, headers: ObjectHeaders): Promise<void>;
  /** Writes a small object from memory (playlists). */
  abstract putObject(key: string, body: string | Buffer, headers: ObjectHeaders): Promise<void>;
  /** Copies an object inside the bucket, server-side, replacing its Content-Type and Cache-Control. */
  abstract copyObject(from: string, to: string, headers: { contentType: string; cacheControl: string }): Promise<void>;
  /** Every object under a prefix (paginated), with its size, in key order. */
  abstract listObjects(prefix: string): Promise<Array<{ key: string; size: number }>>;
  /** The immediate sub-"folders" of a prefix, e.g. each `videos/{id}/hls/{version}/`. */
  abstract listChildPrefixes(prefix: string): Promise<string[]>;
  /**
   * Opens an object for streaming, honouring a Range and an If-None-Match header; null when
   * there is no such object. With `ifMatch`, only that version (else ObjectChangedError).
   */
  abstract openObject(
    key: string,
    conditions: { range?: string; ifNoneMatch?: string; ifMatch?: string },
  ): Promise<ObjectStream | null>;
  /** Deletes every object under the prefix (paginated); idempotent. Returns how many went. */
  abstract deletePrefix(prefix: string): Promise<number>;
  /** Throws when the bucket cannot be reached with the configured credentials. */
  abstract ping(): Promise<void>;

  /**
   * A browser form upload whose policy pins the key, the exact length and the Content-Type, so
   * storage itself refuses any other bytes.
   */
  abstract presignPost(input: {
    key: string;
    contentType: string;
    sizeBytes: number;
    expiresInSeconds: number;
  }): Promise<PresignedPost>;
  /** A short-lived GET URL that downloads the object as an attachment named `downloadName`. */
  abstract presignDownload(key: string, downloadName: string, expiresInSeconds: number): Promise<string>;
  /** Starts a multipart upload and returns its upload id. */
  abstract createMultipartUpload(key: string, contentType: string): Promise<string>;
  /** A PUT URL for one part, with the part's exact length signed. */
  abstract presignUploadPart(input: {
    key: string;
    uploadId: string;
    partNumber: number;
    contentLength: number;
    expiresInSeconds: number;
  }): Promise<string>;
  /** Parts uploaded so far (every page), or null when the upload no longer exists. */
  abstract listParts(key: string, uploadId: string): Promise<StoredPart[] | null>;
  /**
   * Assembles the object. Returns false when the upload no longer exists (already completed or
   * aborted); storage rejecting a part is DomainError `invalid_parts`.
   */
  abstract completeMultipartUpload(key: string, uploadId: string, parts: readonly PartRef[]): Promise<boolean>;
  /** Idempotent: an upload already gone is not an error. */
  abstract abortMultipartUpload(key: string, uploadId: string): Promise<void>;
}
