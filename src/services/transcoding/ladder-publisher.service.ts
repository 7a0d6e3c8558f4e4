import { mkdir, mkdtemp, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { Inject, Injectable, Logger } from '@nestjs/common';
import { APP_CONFIG } from '../../config/config.module';
import type { AppConfig } from '../../config/config';
import { AUDIO_RENDITION } from '../../domain/hls-command';
import {
  droppedBecause,
  keptRungs,
  ladderMaster,
  measureRendition,
  type MeasuredRendition,
} from '../../domain/ladder-master';
import { checkJoins, stitchedPlaylist, type ChunkRendition } from '../../domain/ladder-stitch';
import { readSegmentTiming } from '../../domain/mp4-fragments';
import { parseMediaPlaylist, type MediaPlaylist, type SegmentStat } from '../../domain/playlists';
import { endedEventAsVod } from '../../domain/growing-playlist';
import { audioChild } from '../../domain/ladder-job';
import { hlsVersionPrefix, ladderWorkPrefix, partWorkPrefix } from '../../domain/storage-keys';
import { STORYBOARD_DIR, STORYBOARD_VTT, TILE_NAME } from '../../domain/storyboard';
import type { PublishPayload } from '../../jobs/job-contract';
import { wantsWork, type Video } from '../../domain/video';
import { MediaToolkit } from '../../ports/media-toolkit';
import { ObjectStorage } from '../../ports/object-storage';
import { VideoStore } from '../../ports/video-store';
import { CHUNK_TILES_DIR, PART_DONE } from './chunk-encoder.service';
import { layOutStoryboard, storyboardOrNone } from './storyboard-maker';
import { mapWithLimit } from '../shared/concurrency';
import { contentTypeOf, IMMUTABLE, listFiles, PLAYLIST_TYPE } from '../shared/hls-files';
import { readObject, readObjectText } from '../shared/object-text';
import { AfterPublication } from './after-publication.service';
import { JobPutBack, type JobContext } from '../../jobs/job-context';
import type { TranscodeOutcome } from './transcode.service';

// Server-side copies at once: each is one small request, the bytes never leave storage.
const COPY_CONCURRENCY = 16;
const READ_CONCURRENCY = 8;

// How long a ladder whose chunks are done waits before looking at the preview again.
const PREVIEW_WAIT_MS = 2000;

/** The preview's ended renditions the ladder takes, under the preview's version prefix. */
interface PreviewRenditions {
  readonly prefix: string;
  readonly playlists: Map<string, MediaPlaylist>;
  readonly texts: Map<string, string>;
  /** Every object under the prefix, by key. */
  readonly sizes: ReadonlyMap<string, number>;
}

interface Copy {
  readonly from: string;
  readonly to: string;
}

/**
 * The parent of a chunked ladder, once every chunk and the audio are done: reads each chunk's
 * playlists, init segments and the timing at every join from the work prefix, refuses to publish
 * unless they stitch (StitchError), measures each rendition over the stitched whole, copies the
 * files server-side into a fresh version (master last), marks the video ready and removes the
 * work prefix.
 */
@Injectable()
export class LadderPublisherService {
  private readonly logger = new Logger(LadderPublisherService.name);

  constructor(
    @Inject(APP_CONFIG) private readonly config: AppConfig,
    private readonly store: VideoStore,
    private readonly storage: ObjectStorage,
    private readonly media: MediaToolkit,
    private readonly afterPublication: AfterPublication,
  ) {}

  async publish(payload: PublishPayload, ctx: JobContext): Promise<TranscodeOutcome> {
    const { ladder } = payload;
    const { videoId, version } = ladder;
    const video = await this.store.findById(videoId);
    if (video?.status === 'ready' && video.hlsVersion === version) {
      // Published by an earlier attempt that failed after it: finish what follows the publication.
      await this.afterPublication.run(video);
      await this.storage.deletePrefix(ladderWorkPrefix(videoId, version));
      return 'skipped';
    }
    if (!wantsWork(video, { kind: 'ladder', version })) {
      await this.storage.deletePrefix(ladderWorkPrefix(videoId, version));
      return 'skipped';
    }
    // The renditions the preview makes for the ladder: published whole, or this job waits.
    const preview = await this.endedPreview(video!, ladder.fromPreview ?? []);
    if (!preview) {
      await ctx.postpone(PREVIEW_WAIT_MS);
      throw new JobPutBack(`ladder ${version}: the preview's ${ladder.fromPreview!.join(', ')} has not ended yet`);
    }
    ctx.onProgress(ladder.progress[1]);
    const sizes = new Map(
      (await this.storage.listObjects(ladderWorkPrefix(videoId, version))).map((o) => [o.key, o.size]),
    );
    for (const [key, size] of preview.sizes) sizes.set(key, size);
    const parts = [...Array.from({ length: ladder.chunkCount }, (_, i) => partWorkPrefix(videoId, version, i))];
    if (audioChild(ladder)) parts.push(partWorkPrefix(videoId, version, 'audio'));
    if (ladder.storyboard && !ladder.storyboardFromChunks) parts.push(partWorkPrefix(videoId, version, 'storyboard'));
    const missing = parts.filter((p) => !sizes.has(`${p}${PART_DONE}`));
    if (missing.length > 0)
      throw new Error(`ladder ${version}: ${missing.length} parts are not in storage (first ${missing[0]})`);

    const target = hlsVersionPrefix(videoId, version);
    const copies: Copy[] = [];
    const playlists = new Map<string, string>();
    const measured = new Map<string, MeasuredRendition>();
    const rendered = new Map<string, { playlist: string; files: Copy[] }>();
    for (const rung of ladder.rungs) {
      if (preview.playlists.has(rung.name)) {
        const adopted = await this.adopted(rung.name, preview, sizes, target);
        measured.set(rung.name, adopted.measured);
        rendered.set(rung.name, adopted);
        continue;
      }
      const chunks = await mapWithLimit(parts.slice(0, ladder.chunkCount), READ_CONCURRENCY, (prefix) =>
        this.readChunk(`${prefix}${rung.name}/`, sizes),
      );
      checkJoins(
        rung.name,
        chunks.map((c, index) => ({ ...c, index })),
      );
      const segments = chunks.flatMap((c) => c.segments);
      measured.set(rung.name, measureRendition(rung.name, segments, chunks[0]!.init));
      const files: Copy[] = [
        { from: `${parts[0]}${rung.name}/${chunks[0]!.initUri}`, to: `${target}${rung.name}/${chunks[0]!.initUri}` },
      ];
      chunks.forEach((c, i) =>
        c.segments.forEach((s) =>
          files.push({ from: `${parts[i]}${rung.name}/${s.uri}`, to: `${target}${rung.name}/${s.uri}` }),
        ),
      );
      rendered.set(rung.name, { playlist: stitchedPlaylist(chunks[0]!.initUri, segments), files });
    }
    // A rung that adds nothing over the one below is neither copied nor named in the master.
    const kept =
      ladder.dropMargin === undefined ? [...ladder.rungs] : keptRungs(ladder.rungs, measured, ladder.dropMargin);
    for (const rung of ladder.rungs) {
      const { playlist, files } = rendered.get(rung.name)!;
      if (!kept.includes(rung)) {
        this.logger.log(`[video ${videoId}] rung ${rung.name} not published: ${droppedBecause(rung, kept, measured)}`);
        continue;
      }
      playlists.set(`${rung.name}/index.m3u8`, playlist);
      copies.push(...files);
    }
    let audio: MeasuredRendition | null = null;
    if (ladder.hasAudio && preview.playlists.has(AUDIO_RENDITION)) {
      const adopted = await this.adopted(AUDIO_RENDITION, preview, sizes, target);
      audio = adopted.measured;
      playlists.set(`${AUDIO_RENDITION}/index.m3u8`, adopted.playlist);
      copies.push(...adopted.files);
    } else if (ladder.hasAudio) {
      const from = `${partWorkPrefix(videoId, version, 'audio')}${AUDIO_RENDITION}/`;
      const text = await readObjectText(this.storage, `${from}index.m3u8`);
      const playlist = parseMediaPlaylist(text);
      if (!playlist.initUri || !playlist.ended) throw new Error(`ladder ${version}: the audio playlist is incomplete`);
      const init = await readObject(this.storage, `${from}${playlist.initUri}`);
      audio = measureRendition(
        AUDIO_RENDITION,
        playlist.segments.map((s) => ({ ...s, bytes: sizeOf(sizes, `${from}${s.uri}`) })),
        init,
      );
      playlists.set(`${AUDIO_RENDITION}/index.m3u8`, text);
      for (const uri of [playlist.initUri, ...playlist.segments.map((s) => s.uri)])
        copies.push({ from: `${from}${uri}`, to: `${target}${AUDIO_RENDITION}/${uri}` });
    }
    const { master, renditions } = ladderMaster(kept, measured, audio, ladder.durationSeconds);
    // Flows queued before the chunks made the tiles have their storyboard in a part of its own.
    const oldStoryboard = ladder.storyboardFromChunks ? [] : this.storyboardCopies(videoId, version, sizes, target);
    copies.push(...oldStoryboard);
    const storyboard = ladder.storyboardFromChunks
      ? await this.storyboardFromTiles(payload, parts.slice(0, ladder.chunkCount), sizes, target, ctx)
      : oldStoryboard.length > 0;

    await mapWithLimit(copies, COPY_CONCURRENCY, (c) =>
      this.storage.copyObject(c.from, c.to, { contentType: contentTypeOf(c.to), cacheControl: IMMUTABLE }),
    );
    for (const [file, text] of playlists)
      await this.storage.putObject(`${target}${file}`, text, { contentType: PLAYLIST_TYPE, cacheControl: IMMUTABLE });
    // Last: its presence means the version is complete.
    await this.storage.putObject(`${target}master.m3u8`, master, {
      contentType: PLAYLIST_TYPE,
      cacheControl: IMMUTABLE,
    });

    const ready = await this.store.markReady(videoId, {
      durationSeconds: ladder.durationSeconds,
      width: payload.width,
      height: payload.height,
      renditions,
      hlsVersion: version,
      sourceEtag: payload.sourceEtag,
      storyboard,
    });
    if (!ready) {
      await this.storage.deletePrefix(target);
      await this.storage.deletePrefix(ladderWorkPrefix(videoId, version));
      return 'skipped';
    }
    await this.afterPublication.run(ready);
    await this.storage.deletePrefix(ladderWorkPrefix(videoId, version));
    this.logger.log(
      `[job ${ctx.jobId} video ${videoId}] ready: version ${version} stitched from ${ladder.chunkCount} chunks, ${renditions.length} renditions, ${copies.length} files`,
    );
    return 'ready';
  }

  /**
   * The tiles every chunk wrote, gathered here and laid out into the version's `storyboard/`:
   * sheets made from small JPEGs, never from the source. False (and logged) when there are none
   * or they do not make a storyboard; the video is published without one.
   */
  private async storyboardFromTiles(
    payload: PublishPayload,
    chunkParts: readonly string[],
    sizes: ReadonlyMap<string, number>,
    target: string,
    ctx: JobContext,
  ): Promise<boolean> {
    const { ladder } = payload;
    const plan = ladder.storyboard;
    if (!plan) return false;
    const tiles = chunkParts.flatMap((part) =>
      [...sizes.keys()]
        .filter((k) => k.startsWith(`${part}${CHUNK_TILES_DIR}/`) && TILE_NAME.test(k.slice(k.lastIndexOf('/') + 1)))
        .map((key) => ({ key, name: key.slice(key.lastIndexOf('/') + 1) })),
    );
    const dir = await mkdtemp(join(this.config.transcode.tmpDir ?? tmpdir(), `velvet-storyboard-${ladder.videoId}-`));
    try {
      const tilesDir = join(dir, 'tiles');
      const outDir = join(dir, STORYBOARD_DIR);
      await mkdir(tilesDir);
      const tag = `[job ${ctx.jobId} video ${ladder.videoId}]`;
      const made = await storyboardOrNone(this.logger, tag, outDir, ctx.signal, async () => {
        await mapWithLimit(tiles, READ_CONCURRENCY, (t) => this.storage.download(t.key, join(tilesDir, t.name)));
        return layOutStoryboard(this.media, {
          tilesDir,
          plan,
          durationSeconds: ladder.durationSeconds,
          outDir,
          signal: ctx.signal,
          // Sheets from a few hundred small JPEGs: seconds.
          timeoutMs: 120_000,
        });
      });
      if (!made) return false;
      await mapWithLimit(await listFiles(outDir), COPY_CONCURRENCY, (file) =>
        this.storage.uploadFile(`${target}${STORYBOARD_DIR}/${file}`, join(outDir, file), {
          contentType: contentTypeOf(file),
          cacheControl: IMMUTABLE,
        }),
      );
      return true;
    } finally {
      await rm(dir, { recursive: true, force: true });
    }
  }

  /**
   * A flow queued before the chunks made the tiles: the storyboard part's sprites and WebVTT, if
   * it made any (a video too short for a tile has none).
   */
  private storyboardCopies(
    videoId: string,
    version: string,
    sizes: ReadonlyMap<string, number>,
    target: string,
  ): Copy[] {
    const from = `${partWorkPrefix(videoId, version, 'storyboard')}${STORYBOARD_DIR}/`;
    if (!sizes.has(`${from}${STORYBOARD_VTT}`)) return [];
    return [...sizes.keys()]
      .filter((k) => k.startsWith(from))
      .map((k) => ({ from: k, to: `${target}${STORYBOARD_DIR}/${k.slice(from.length)}` }));
  }

  /**
   * The preview's renditions named in `names`, once every one of them has ended in storage under
   * the video's current preview version (a preview started over follows the row); null while
   * one has not. No names: nothing to wait for.
   */
  private async endedPreview(video: Video, names: readonly string[]): Promise<PreviewRenditions | null> {
    const playlists = new Map<string, MediaPlaylist>();
    const texts = new Map<string, string>();
    if (names.length === 0) return { prefix: '', playlists, texts, sizes: new Map() };
    if (!video.previewVersion) return null;
    const prefix = hlsVersionPrefix(video.id, video.previewVersion);
    for (const name of names) {
      const text = await readObjectText(this.storage, `${prefix}${name}/index.m3u8`).catch(() => null);
      const playlist = text === null ? null : parseMediaPlaylist(text);
      if (text === null || !playlist?.ended || !playlist.initUri) return null;
      playlists.set(name, playlist);
      texts.set(name, text);
    }
    const sizes = new Map((await this.storage.listObjects(prefix)).map((o) => [o.key, o.size]));
    return { prefix, playlists, texts, sizes };
  }

  /** A rendition the preview made, as the ladder publishes it: copied, its playlist made VOD. */
  private async adopted(
    name: string,
    preview: PreviewRenditions,
    sizes: ReadonlyMap<string, number>,
    target: string,
  ): Promise<{ measured: MeasuredRendition; playlist: string; files: Copy[] }> {
    const playlist = preview.playlists.get(name)!;
    const from = `${preview.prefix}${name}/`;
    const segments = playlist.segments.map((s) => ({ ...s, bytes: sizeOf(sizes, `${from}${s.uri}`) }));
    const init = await readObject(this.storage, `${from}${playlist.initUri!}`);
    return {
      measured: measureRendition(name, segments, init),
      playlist: endedEventAsVod(preview.texts.get(name)!),
      files: [playlist.initUri!, ...segments.map((s) => s.uri)].map((uri) => ({
        from: `${from}${uri}`,
        to: `${target}${name}/${uri}`,
      })),
    };
  }

  /** One chunk of one rung: its playlist, init segment, segment sizes and the timing at both ends. */
  private async readChunk(prefix: string, sizes: ReadonlyMap<string, number>): Promise<Omit<ChunkRendition, 'index'>> {
    const playlist = parseMediaPlaylist(await readObjectText(this.storage, `${prefix}index.m3u8`));
    if (!playlist.initUri || !playlist.ended || playlist.segments.length === 0)
      throw new Error(`${prefix}index.m3u8 is incomplete`);
    const segments: SegmentStat[] = playlist.segments.map((s) => ({ ...s, bytes: sizeOf(sizes, `${prefix}${s.uri}`) }));
    const timing = (s: SegmentStat) =>
      readSegmentTiming(s.bytes, (start, end) =>
        readObject(this.storage, `${prefix}${s.uri}`, `bytes=${start}-${end - 1}`),
      );
    const [init, first, last] = await Promise.all([
      readObject(this.storage, `${prefix}${playlist.initUri}`),
      timing(segments[0]!),
      timing(segments.at(-1)!),
    ]);
    return { initUri: playlist.initUri, init, segments, first, last };
  }
}

function sizeOf(sizes: ReadonlyMap<string, number>, key: string): number {
  const size = sizes.get(key);
  if (size === undefined) throw new Error(`${key} is listed in its playlist but not in storage`);
  return size;
}
