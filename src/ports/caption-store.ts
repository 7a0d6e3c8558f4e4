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
  /** Normalized WebVTT. */
  readonly vtt: string;
}

/**
 * The captions of videos, the system of record (the published files are made from it). Every
 * change bumps the video's captions revision in the same transaction, so a publish that read an
 * older set cannot overwrite a newer one.
 */
export abstract class CaptionStore {
  /** Adds or replaces a language; a default one makes every other language not the default. */
  abstract put(
    videoId: string,
    caption: { lang: string; label: string; isDefault: boolean; vtt: string; cueCount: number },
  ): Promise<{ caption: CaptionInfo; created: boolean }>;
  abstract list(videoId: string): Promise<CaptionInfo[]>;
  /** True when there was such a language. */
  abstract remove(videoId: string, lang: string): Promise<boolean>;
  /** Every language with its WebVTT and the revision they make up; null when the video is gone. */
  abstract snapshot(videoId: string): Promise<{ revision: number; captions: StoredCaption[] } | null>;
}
