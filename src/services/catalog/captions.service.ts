import { Injectable, Logger } from '@nestjs/common';
import { captionDigest } from '../../domain/caption-files';
import {
  canonicalLanguage,
  CaptionsError,
  languageLabel,
  MAX_CAPTIONS_BYTES,
  parseCaptions,
} from '../../domain/captions';
import { DomainError } from '../../domain/errors';
import type { Actor } from '../../domain/video';
import { CaptionStore, type CaptionInfo } from '../../ports/caption-store';
import { VideoStore } from '../../ports/video-store';
import { CaptionPublisher } from './caption-publisher';
import { EntitlementChanges } from '../paywall/entitlement-changes';
import { loadOwnedVideo } from '../shared/video-access';

/** Languages one video may have captions in: each is a rendition every player's master lists. */
export const MAX_CAPTION_LANGUAGES = 50;
/**
 * Event-loop time one file's parsing may take. A valid 1 MB file parses in tens of milliseconds;
 * the budget bounds what an input no one foresaw could cost every other request on the instance.
 */
export const CAPTIONS_PARSE_BUDGET_MS = 500;

export interface CaptionUpload {
  readonly text: string;
  readonly label?: string;
  readonly isDefault?: boolean;
}

/**
 * Captions, managed by the video's owner (or an admin): validated and converted to WebVTT, kept
 * in PostgreSQL, and published into the ready video's current version at once (no re-encode).
 */
@Injectable()
export class CaptionsService {
  private readonly logger = new Logger(CaptionsService.name);

  constructor(
    private readonly videos: VideoStore,
    private readonly captions: CaptionStore,
    private readonly publisher: CaptionPublisher,
    private readonly changes: EntitlementChanges,
  ) {}

  async put(
    actor: Actor,
    id: string,
    lang: string,
    upload: CaptionUpload,
  ): Promise<{ caption: CaptionInfo; created: boolean }> {
    const video = await loadOwnedVideo(this.videos, actor, id);
    const tag = language(lang);
    const bytes = Buffer.byteLength(upload.text);
    if (bytes > MAX_CAPTIONS_BYTES) {
      throw new DomainError(
        'invalid_captions',
        `The captions file is ${bytes} bytes; at most ${MAX_CAPTIONS_BYTES} (1 MB) are accepted.`,
        [{ path: 'body', message: 'larger than 1 MB' }],
      );
    }
    let parsed;
    try {
      parsed = parseCaptions(upload.text, { budgetMs: CAPTIONS_PARSE_BUDGET_MS });
    } catch (error) {
      if (!(error instanceof CaptionsError)) throw error;
      throw new DomainError(
        'invalid_captions',
        `The captions file is not valid WebVTT or SRT: ${error.message}.`,
        [{ path: `line ${error.line}`, message: error.message }],
        { line: error.line },
      );
    }
    const result = await this.captions.put(
      video.id,
      {
        lang: tag,
        label: upload.label ?? languageLabel(tag),
        isDefault: upload.isDefault ?? false,
        vtt: parsed.vtt,
        digest: captionDigest(parsed.vtt),
        cueCount: parsed.cueCount,
      },
      MAX_CAPTION_LANGUAGES,
    );
    if ('tooMany' in result)
      throw new DomainError(
        'too_many_captions',
        `The video already has captions in ${MAX_CAPTION_LANGUAGES} languages, the most one video may have; replace or remove one.`,
        [{ path: 'lang', message: `a new language past the limit of ${MAX_CAPTION_LANGUAGES}` }],
        { limit: MAX_CAPTION_LANGUAGES },
      );
    await this.published(video.id);
    this.logger.log(
      `captions ${tag} of ${video.id} ${result.created ? 'added' : 'replaced'} by ${actor.userId}: ${parsed.cueCount} cues from ${parsed.format}`,
    );
    return result;
  }

  async list(actor: Actor, id: string): Promise<CaptionInfo[]> {
    const video = await loadOwnedVideo(this.videos, actor, id);
    return this.captions.list(video.id);
  }

  async remove(actor: Actor, id: string, lang: string): Promise<void> {
    const video = await loadOwnedVideo(this.videos, actor, id);
    if (!(await this.captions.remove(video.id, language(lang))))
      throw new DomainError('not_found', 'The video has no captions in that language.');
    await this.published(video.id);
    this.logger.log(`captions ${lang} of ${video.id} removed by ${actor.userId}`);
  }

  /** Republishes, then makes every api instance read the row again (its master changed). */
  private async published(videoId: string): Promise<void> {
    await this.publisher.publish(videoId);
    await this.changes.videoChanged(videoId);
  }
}

function language(lang: string): string {
  const tag = canonicalLanguage(lang);
  if (!tag)
    throw new DomainError(
      'invalid_request',
      `"${lang.slice(0, 40)}" is not a BCP 47 language tag (for example en, pt-BR, zh-Hant).`,
      [{ path: 'lang', message: 'must be a BCP 47 language tag' }],
    );
  return tag;
}
