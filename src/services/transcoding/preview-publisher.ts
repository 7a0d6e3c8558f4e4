import { readFile, writeFile } from 'node:fs/promises';
import { join } from 'node:path';
import { eventPlaylist, listableCounts, type ListedSegment } from '../../domain/growing-playlist';
import { parseMediaPlaylist, type MediaPlaylist } from '../../domain/playlists';
import { hlsVersionPrefix } from '../../domain/storage-keys';
import type { ObjectStorage } from '../../ports/object-storage';
import { mapWithLimit } from '../shared/concurrency';
import { contentTypeOf, exists, GROWING, IMMUTABLE, PLAYLIST_TYPE } from '../shared/hls-files';

// Segments of one rendition uploaded at once, in one step.
const UPLOAD_CONCURRENCY = 4;

/** What a previous attempt already published of one rendition. */
export interface PublishedRendition {
  readonly initUri: string;
  readonly segments: readonly ListedSegment[];
  readonly ended: boolean;
}

/** The published renditions were made by an encode whose init segment differs from this one's. */
export class PreviewDiverged extends Error {}

export interface PreviewPublisherOptions {
  readonly storage: ObjectStorage;
  readonly videoId: string;
  readonly version: string;
  /** ffmpeg's output folder: one sub-folder per rendition, each with ffmpeg's own index.m3u8. */
  readonly outDir: string;
  /** Where this publisher writes the playlists it uploads. */
  readonly scratchDir: string;
  readonly renditions: readonly string[];
  readonly targetDurationSeconds: number;
  /** A previous attempt's published state, to append to rather than restart. */
  readonly resume?: Readonly<Record<string, PublishedRendition>>;
}

/**
 * Publishes ffmpeg's growing output to storage as it appears: each segment uploaded before any
 * playlist lists it, every rendition listed up to the same count, playlists uploaded after their
 * segments, EXT-X-ENDLIST appended once ffmpeg is done. Never lists fewer segments than it (or
 * the attempt it resumes) already listed.
 */
export class PreviewPublisher {
  private readonly listed = new Map<string, ListedSegment[]>();
  /** Each rendition's init segment name, once uploaded or (resumed) found identical to the published one. */
  private readonly initUris = new Map<string, string>();
  private readonly prefix: string;
  private masterUploaded = false;
  private ended = false;

  constructor(private readonly o: PreviewPublisherOptions) {
    this.prefix = hlsVersionPrefix(o.videoId, o.version);
    for (const name of o.renditions) {
      this.listed.set(name, [...(o.resume?.[name]?.segments ?? [])]);
    }
  }

  /** Seconds every rendition has listed: what a viewer can play. */
  get publishedSeconds(): number {
    return Math.min(
      ...this.o.renditions.map((n) => this.listed.get(n)!.reduce((sum, s) => sum + s.durationSeconds, 0)),
    );
  }

  get hasMaster(): boolean {
    return this.masterUploaded;
  }

  /**
   * Whether this encode's init segment of every rendition is published, or found identical to
   * the one an earlier attempt published: from then on a divergence cannot surface any more.
   */
  get everyInitConfirmed(): boolean {
    return this.o.renditions.every((n) => this.initUris.has(n));
  }

  /** Whether every rendition lists at least one segment (a master may point at them). */
  get everyRenditionListed(): boolean {
    return this.o.renditions.every((n) => this.listed.get(n)!.length > 0);
  }

  /**
   * Lists what ffmpeg has finished; with `done`, everything, and ends the playlists once all is
   * listed. `limit`: at most that many new segments of each rendition this step, so playlists
   * grow in steps a viewer sees, not in one jump after a fast copy's whole output is uploaded.
   * Returns how many segments it listed.
   */
  async step(done: boolean, limit = Infinity): Promise<number> {
    const local = await this.readLocal();
    const finished = Object.fromEntries(this.o.renditions.map((n) => [n, local.get(n)?.segments.length ?? 0]));
    const counts = listableCounts(finished, done);
    let listedNew = 0;
    for (const name of this.o.renditions) {
      const playlist = local.get(name);
      const listed = this.listed.get(name)!;
      if (!playlist) continue;
      // Before anything is listed: a resumed rendition's init is checked against the published
      // one as soon as ffmpeg wrote it, so its codecs are known with nothing new to list yet.
      await this.uploadInit(name, playlist);
      const upTo = Math.min(counts[name]!, listed.length + limit);
      if (upTo <= listed.length) continue;
      const fresh = playlist.segments.slice(listed.length, upTo);
      await mapWithLimit(fresh, UPLOAD_CONCURRENCY, (segment) => this.upload(`${name}/${segment.uri}`, IMMUTABLE));
      listed.push(...fresh);
      listedNew += fresh.length;
    }
    // At least: a resumed rendition may list what this run has not rewritten (nothing more to add).
    const ended = done && this.o.renditions.every((n) => this.listed.get(n)!.length >= counts[n]!);
    if (listedNew > 0 || (ended && !this.ended)) {
      for (const name of this.o.renditions) await this.uploadPlaylist(name, ended);
    }
    this.ended = ended;
    return listedNew;
  }

  /** Whether the playlists are published with their end (a step with `done` listed everything). */
  get isEnded(): boolean {
    return this.ended;
  }

  /**
   * Uploads the master, once every rendition has a segment listed. GROWING for a master that is
   * replaced later (a standard source's, until the preview joins it).
   */
  async publishMaster(text: string, cacheControl = IMMUTABLE): Promise<void> {
    if (this.masterUploaded || !this.everyRenditionListed) return;
    const path = join(this.o.scratchDir, 'master.m3u8');
    await writeFile(path, text);
    await this.o.storage.uploadFile(`${this.prefix}master.m3u8`, path, { contentType: PLAYLIST_TYPE, cacheControl });
    this.masterUploaded = true;
  }

  /**
   * A rendition's init segment: ffmpeg's, once published (or found identical to the published
   * one); else the one an earlier attempt published; null when there is none yet.
   */
  async initSegment(name: string): Promise<Buffer | null> {
    const uri = this.initUris.get(name);
    if (uri) return readFile(join(this.o.outDir, name, uri));
    const resumed = this.o.resume?.[name];
    return resumed ? this.publishedInit(name, resumed.initUri) : null;
  }

  /**
   * Whether an earlier attempt published the master; if so this publisher never replaces it
   * (what replaced the first master, a preview that joined, stays).
   */
  async keepPublishedMaster(): Promise<boolean> {
    if (!this.masterUploaded && (await this.o.storage.head(`${this.prefix}master.m3u8`))) this.masterUploaded = true;
    return this.masterUploaded;
  }

  private async readLocal(): Promise<Map<string, MediaPlaylist>> {
    const local = new Map<string, MediaPlaylist>();
    for (const name of this.o.renditions) {
      const path = join(this.o.outDir, name, 'index.m3u8');
      // ffmpeg renames each playlist into place (temp_file), so a read never sees half of one.
      if (await exists(path)) local.set(name, parseMediaPlaylist(await readFile(path, 'utf8')));
    }
    return local;
  }

  /** Uploads a rendition's init segment once; a resumed one must match what is published. */
  private async uploadInit(name: string, playlist: MediaPlaylist): Promise<void> {
    if (!playlist.initUri) throw new Error(`rendition ${name}: ffmpeg wrote no init segment`);
    if (this.initUris.has(name)) return;
    const resumed = this.o.resume?.[name];
    if (resumed) {
      // Appending to another encode's segments is only sound if both start from the same init.
      const published = await this.publishedInit(name, resumed.initUri);
      const mine = await readFile(join(this.o.outDir, name, playlist.initUri));
      if (resumed.initUri !== playlist.initUri || !published.equals(mine)) {
        throw new PreviewDiverged(`rendition ${name}: this encode's init segment differs from the published one`);
      }
    } else {
      await this.upload(`${name}/${playlist.initUri}`, IMMUTABLE);
    }
    this.initUris.set(name, playlist.initUri);
  }

  private async publishedInit(name: string, uri: string): Promise<Buffer> {
    const path = join(this.o.scratchDir, `published-${name}-${uri}`);
    await this.o.storage.download(`${this.prefix}${name}/${uri}`, path);
    return readFile(path);
  }

  private async uploadPlaylist(name: string, ended: boolean): Promise<void> {
    const initUri = this.initUris.get(name) ?? this.o.resume?.[name]?.initUri;
    if (!initUri || this.listed.get(name)!.length === 0) return;
    const text = eventPlaylist({
      targetDurationSeconds: this.o.targetDurationSeconds,
      initUri,
      segments: this.listed.get(name)!,
      ended,
    });
    const path = join(this.o.scratchDir, `${name}.m3u8`);
    await writeFile(path, text);
    // Once ended the playlist never changes again, so caches may keep it like a segment.
    await this.o.storage.uploadFile(`${this.prefix}${name}/index.m3u8`, path, {
      contentType: PLAYLIST_TYPE,
      cacheControl: ended ? IMMUTABLE : GROWING,
    });
  }

  private upload(file: string, cacheControl: string): Promise<void> {
    return this.o.storage.uploadFile(`${this.prefix}${file}`, join(this.o.outDir, file), {
      contentType: contentTypeOf(file),
      cacheControl,
    });
  }
}

/** Reads what an earlier attempt published of each rendition; null for a rendition with nothing listed. */
export async function readPublishedPreview(
  storage: ObjectStorage,
  videoId: string,
  version: string,
  renditions: readonly string[],
  scratchDir: string,
): Promise<Record<string, PublishedRendition> | null> {
  const prefix = hlsVersionPrefix(videoId, version);
  const found: Record<string, PublishedRendition> = {};
  for (const name of renditions) {
    const key = `${prefix}${name}/index.m3u8`;
    if (!(await storage.head(key))) return null;
    const path = join(scratchDir, `published-${name}.m3u8`);
    await storage.download(key, path);
    const playlist = parseMediaPlaylist(await readFile(path, 'utf8'));
    if (!playlist.initUri || playlist.segments.length === 0) return null;
    found[name] = { initUri: playlist.initUri, segments: playlist.segments, ended: playlist.ended };
  }
  return found;
}
