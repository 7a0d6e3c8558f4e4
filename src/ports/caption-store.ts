/** One language's captions of a video, as the api lists them. */
export interface CaptionInfo {
  readonly videoId: string;
  /** Canonical BCP 47 tag. */
  readonly lang: string;
  readonly label: string;
  readonly isDefault: boolean;
  readonly cueCount: number;
  readonly createdAt: Date;
  readonly updatedAt: Date;
}

export interface StoredCaption extends CaptionInfo {
  /** captionDigest of its WebVTT: the name its files are published under. */
  readonly digest: string;
}

export interface NewCaption {
  readonly lang: string;
  readonly label: string;
  readonly isDefault: boolean;
  /** Normalized WebVTT. */
  readonly vtt: string;
  readonly digest: string;
  readonly cueCount: number;
}

/** Added or replaced; or refused because a new language would pass the video's limit. */
export type CaptionPut = { caption: CaptionInfo; created: boolean } | { tooMany: true };

/**
 * The captions of videos, the system of record (the published files are made from it). Every
 * change bumps the video's captions revision in the same transaction, so a publish that read an
 * older set cannot overwrite a newer one.
 */
export abstract class CaptionStore {
  /**
   * Adds or replaces a language; a default one makes every other language not the default. A new
   * language is refused when the video already has `maxLanguages` (counted under the video's lock,
   * so concurrent additions cannot both pass).
   */
  abstract put(videoId: string, caption: NewCaption, maxLanguages: number): Promise<CaptionPut>;
  abstract list(videoId: string): Promise<CaptionInfo[]>;
  /** True when there was such a language. */
  abstract remove(videoId: string, lang: string): Promise<boolean>;
  /** Every language with its digest and the revision they make up; null when the video is gone. */
  abstract snapshot(videoId: string): Promise<{ revision: number; captions: StoredCaption[] } | null>;
  /** The WebVTT of these languages (those still there), by language. */
  abstract vtts(videoId: string, langs: readonly string[]): Promise<Map<string, string>>;
}
