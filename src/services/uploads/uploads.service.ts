import { Inject, Injectable, Logger } from '@nestjs/common';
import { APP_CONFIG } from '../../config/config.module';
import type { AppConfig } from '../../config/config';
import { normalizeUploadContentType } from '../../domain/content-type';
import { DomainError } from '../../domain/errors';
import { newVideoId } from '../../domain/ids';
import { sourceKey, uploadPrefix } from '../../domain/storage-keys';
import {
  checkRequestedParts,
  partLength,
  partsToComplete,
  planUpload,
  type PartRef,
  type StoredPart,
} from '../../domain/upload-plan';
import type { Actor, Video, VideoAccess } from '../../domain/video';
import { Clock } from '../../ports/clock';
import { JobQueue } from '../../ports/job-queue';
import { ObjectStorage, type PresignedPost } from '../../ports/object-storage';
import { VideoStore } from '../../ports/video-store';
import { loadOwnedVideo } from '../shared/video-access';
import { UnfinishedUploads } from './unfinished-uploads.service';
import { CreatorLimits } from '../shared/creator-limits';

export interface CreateVideoInput {
  readonly title: string;
  readonly contentType: string;
  readonly sizeBytes: number;
  readonly filename?: string | undefined;
  readonly access?: VideoAccess | undefined;
}

export interface SinglePostUpload extends PresignedPost {
  readonly strategy: 'single';
  readonly method: 'POST';
  readonly expiresAt: Date;
}

export interface MultipartUpload {
  readonly strategy: 'multipart';
  readonly partSize: number;
  readonly partCount: number;
  /** When the unfinished upload is abandoned and deleted. */
  readonly expiresAt: Date;
}

export type UploadInstructions = SinglePostUpload | MultipartUpload;

export interface PartUrl {
  readonly partNumber: number;
  readonly url: string;
  readonly expiresAt: Date;
}

export interface UploadProgress {
  readonly strategy: Video['uploadStrategy'];
  readonly partSize: number;
  readonly partCount: number;
  readonly completed: boolean;
  readonly uploadedParts: readonly StoredPart[];
  /** A fresh form upload, for a single-strategy upload still awaiting its bytes. */
  readonly post?: SinglePostUpload;
}

/** The creator's side of an upload: instructions, resumption, completion, cancellation. */
@Injectable()
export class UploadsService {
  private readonly logger = new Logger(UploadsService.name);

  constructor(
    @Inject(APP_CONFIG) private readonly config: AppConfig,
    private readonly store: VideoStore,
    private readonly storage: ObjectStorage,
    private readonly jobs: JobQueue,
    private readonly clock: Clock,
    private readonly unfinished: UnfinishedUploads,
    private readonly limits: CreatorLimits,
  ) {}

  async createVideo(actor: Actor, input: CreateVideoInput): Promise<{ video: Video; upload: UploadInstructions }> {
    const contentType = normalizeUploadContentType(input.contentType);
    if (!contentType) {
      throw new DomainError(
        'unsupported_content_type',
        'contentType must be video/*, audio/* or application/octet-stream.',
      );
    }
    const plan = planUpload(input.sizeBytes, this.config.upload);
    await this.limits.hit(actor, 'videos');
    const id = newVideoId();
    const multipartUploadId =
      plan.strategy === 'multipart' ? await this.storage.createMultipartUpload(sourceKey(id), contentType) : null;
    let video: Video;
    try {
      video = await this.store.insert({
        id,
        ownerId: actor.userId,
        title: input.title,
        access: input.access ?? 'paid',
        contentType,
        sizeBytes: input.sizeBytes,
        filename: input.filename ?? null,
        uploadStrategy: plan.strategy,
        multipartUploadId,
        partSize: plan.strategy === 'multipart' ? plan.partSize : null,
        partCount: plan.strategy === 'multipart' ? plan.partCount : null,
      });
    } catch (error) {
      if (multipartUploadId)
        await this.storage.abortMultipartUpload(sourceKey(id), multipartUploadId).catch(() => undefined);
      throw error;
    }
    this.logger.log(`video ${id} created by ${actor.userId}: ${plan.strategy} upload of ${input.sizeBytes} bytes`);
    const upload: UploadInstructions =
      plan.strategy === 'single'
        ? await this.presignSingle(video)
        : {
            strategy: 'multipart',
            partSize: plan.partSize,
            partCount: plan.partCount,
            expiresAt: this.abandonAt(video),
          };
    return { video, upload };
  }

  async presignParts(actor: Actor, id: string, partNumbers: readonly number[]): Promise<PartUrl[]> {
    const video = await loadOwnedVideo(this.store, actor, id);
    await this.limits.hit(actor, 'reuploads');
    const { uploadId, partSize, partCount } = this.openMultipart(video);
    checkRequestedParts(partNumbers, partCount);
    const ttl = this.config.upload.urlTtlSeconds;
    const expiresAt = this.urlExpiry();
    return Promise.all(
      partNumbers.map(async (partNumber) => ({
        partNumber,
        expiresAt,
        url: await this.storage.presignUploadPart({
          key: sourceKey(video.id),
          uploadId,
          partNumber,
          contentLength: partLength(video.sizeBytes, partSize, partNumber),
          expiresInSeconds: ttl,
        }),
      })),
    );
  }

  async progress(actor: Actor, id: string): Promise<UploadProgress> {
    const video = await loadOwnedVideo(this.store, actor, id);
    const completed = video.status !== 'awaiting_upload';
    const shape = {
      strategy: video.uploadStrategy,
      partSize: video.partSize ?? video.sizeBytes,
      partCount: video.partCount ?? 1,
      completed,
    };
    if (completed) return { ...shape, uploadedParts: [] };
    if (video.uploadStrategy === 'multipart' && video.multipartUploadId) {
      const parts = await this.storage.listParts(sourceKey(video.id), video.multipartUploadId);
      return { ...shape, uploadedParts: parts ?? [] };
    }
    const object = await this.storage.head(sourceKey(video.id));
    return {
      ...shape,
      uploadedParts: object ? [{ partNumber: 1, etag: object.etag, size: object.size }] : [],
      post: await this.presignSingle(video),
    };
  }

  /**
   * Checks the bytes are all there, then `awaiting_upload → queued` and one transcode job.
   * Idempotent: once past `awaiting_upload`, it returns the video and adds nothing.
   */
  async complete(actor: Actor, id: string, claimed: readonly PartRef[] | undefined): Promise<Video> {
    const video = await loadOwnedVideo(this.store, actor, id);
    if (video.status !== 'awaiting_upload') return video;
    if (video.uploadStrategy === 'multipart') await this.assembleParts(video, claimed);

    const object = await this.storage.head(sourceKey(video.id));
    if (!object) throw new DomainError('upload_incomplete', 'The upload has not arrived yet.');
    if (object.size !== video.sizeBytes) await this.discardWrongSize(video, object.size);
    // The bytes completed here are the ones transcoded: a form used again later changes the ETag,
    // and every read pinned to this one refuses the new bytes.
    await this.store.setUploadEtag(video.id, object.etag);

    const queued = await this.store.transition(video.id, 'awaiting_upload', 'queued');
    // Lost the race: another complete (or a cancel) got there first; report where it stands.
    if (!queued) return loadOwnedVideo(this.store, actor, id);
    try {
      await this.jobs.enqueueTranscode(video.id);
    } catch (error) {
      // No job means nothing would ever pick the video up: undo, so the creator can retry.
      await this.store.transition(video.id, 'queued', 'awaiting_upload');
      throw error;
    }
    this.logger.log(`video ${video.id} uploaded (${object.size} bytes); transcode queued`);
    return queued;
  }

  /** Aborts an unfinished upload and deletes the video (only while awaiting its upload). */
  async cancel(actor: Actor, id: string): Promise<void> {
    const video = await loadOwnedVideo(this.store, actor, id);
    if (video.status !== 'awaiting_upload') {
      throw new DomainError('invalid_state', `The upload is already complete (status ${video.status}).`);
    }
    await this.unfinished.discard(video);
  }

  private async assembleParts(video: Video, claimed: readonly PartRef[] | undefined): Promise<void> {
    const { uploadId, partSize, partCount } = this.openMultipart(video);
    const stored = await this.storage.listParts(sourceKey(video.id), uploadId);
    // null: the upload was already assembled by a racing complete; the object check decides.
    if (stored === null) return;
    const parts = partsToComplete(claimed, stored, video.sizeBytes, partSize, partCount);
    await this.storage.completeMultipartUpload(sourceKey(video.id), uploadId, parts);
  }

  /** Bytes of the wrong length are unusable: remove them and let the creator upload again. */
  private async discardWrongSize(video: Video, actual: number): Promise<never> {
    await this.storage.deletePrefix(uploadPrefix(video.id));
    if (video.uploadStrategy === 'multipart') {
      const uploadId = await this.storage.createMultipartUpload(sourceKey(video.id), video.contentType);
      await this.store.replaceMultipartUpload(video.id, uploadId);
    }
    throw new DomainError(
      'upload_size_mismatch',
      `The upload has ${actual} bytes but ${video.sizeBytes} were declared; upload it again.`,
    );
  }

  private openMultipart(video: Video): { uploadId: string; partSize: number; partCount: number } {
    if (video.status !== 'awaiting_upload') {
      throw new DomainError('invalid_state', `The upload is already complete (status ${video.status}).`);
    }
    if (video.uploadStrategy !== 'multipart' || !video.multipartUploadId || !video.partSize || !video.partCount) {
      throw new DomainError('invalid_state', 'This video uses a single upload, not parts.');
    }
    return { uploadId: video.multipartUploadId, partSize: video.partSize, partCount: video.partCount };
  }

  private async presignSingle(video: Video): Promise<SinglePostUpload> {
    const ttl = this.config.upload.urlTtlSeconds;
    const post = await this.storage.presignPost({
      key: sourceKey(video.id),
      contentType: video.contentType,
      sizeBytes: video.sizeBytes,
      expiresInSeconds: ttl,
    });
    return { strategy: 'single', method: 'POST', ...post, expiresAt: this.urlExpiry() };
  }

  /** When presigned URLs made now stop working. */
  private urlExpiry(): Date {
    return new Date(this.clock.now().getTime() + this.config.upload.urlTtlSeconds * 1000);
  }

  private abandonAt(video: Video): Date {
    return new Date(video.createdAt.getTime() + this.config.upload.abandonAfterSeconds * 1000);
  }
}
