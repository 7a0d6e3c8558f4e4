import { AUDIO_RENDITION } from './hls-command';
import type { Rung } from './ladder';
import { MediaError } from './media-info';
import { codecsFromInitSegment } from './mp4-codecs';
import {
  bitrateStats,
  masterPlaylist,
  type AudioEntry,
  type BitrateStats,
  type SegmentStat,
  type VariantEntry,
} from './playlists';
import type { Rendition } from './video';

export interface MeasuredRendition {
  readonly bandwidth: BitrateStats;
  readonly codecs: string;
  readonly durationSeconds: number;
}

/** BANDWIDTH, AVERAGE-BANDWIDTH and CODECS of one rendition, over every one of its segments. */
export function measureRendition(name: string, segments: readonly SegmentStat[], init: Uint8Array): MeasuredRendition {
  const codecs = codecsFromInitSegment(init);
  if (codecs.length === 0) throw new Error(`rendition ${name}: no codec found in its init segment`);
  const durationSeconds = segments.reduce((sum, s) => sum + s.durationSeconds, 0);
  return { bandwidth: bitrateStats(segments), codecs: codecs.join(','), durationSeconds };
}

/**
 * The rungs worth publishing, largest first. A rung whose measured average is within `margin` of
 * the kept rung below it adds pixels the picture does not need (a slide deck at 1080p costs
 * what it does at 720p): it is dropped. At least `minimum` video rungs stay (the largest come
 * back first), and the smallest always does.
 */
export function keptRungs(
  rungs: readonly Rung[],
  measured: ReadonlyMap<string, MeasuredRendition>,
  margin: number,
  minimum = 2,
): Rung[] {
  const average = (rung: Rung) => measured.get(rung.name)?.bandwidth.average ?? Infinity;
  const smallestFirst = [...rungs].reverse();
  const kept: Rung[] = [];
  const dropped: Rung[] = [];
  for (const rung of smallestFirst) {
    const below = kept.at(-1);
    if (below && average(rung) <= average(below) * (1 + margin)) dropped.push(rung);
    else kept.push(rung);
  }
  while (kept.length < Math.min(minimum, rungs.length)) kept.push(dropped.pop()!);
  return rungs.filter((r) => kept.includes(r));
}

/** Why a rung was dropped, for the worker's log: its average beside the kept rung below it. */
export function droppedBecause(
  rung: Rung,
  kept: readonly Rung[],
  measured: ReadonlyMap<string, MeasuredRendition>,
): string {
  const kbps = (r: Rung) => Math.round((measured.get(r.name)?.bandwidth.average ?? 0) / 1000);
  const below = kept.find((k) => k.width * k.height < rung.width * rung.height);
  return below
    ? `it averages ${kbps(rung)} kbit/s, hardly more than ${below.name}'s ${kbps(below)} kbit/s`
    : `it averages ${kbps(rung)} kbit/s`;
}

/**
 * The master playlist and the row's renditions. ffmpeg exits 0 on a truncated file after
 * decoding what it could, so output much shorter than the probed duration means the source is
 * damaged.
 */
export function ladderMaster(
  rungs: readonly Rung[],
  measured: ReadonlyMap<string, MeasuredRendition>,
  audio: MeasuredRendition | null,
  probedSeconds: number,
): { master: string; renditions: Rendition[] } {
  const audioEntry: AudioEntry | null = audio
    ? {
        groupId: AUDIO_RENDITION,
        name: 'Default',
        uri: `${AUDIO_RENDITION}/index.m3u8`,
        bandwidth: audio.bandwidth,
        codecs: audio.codecs,
      }
    : null;
  const decoded = [audio?.durationSeconds ?? Infinity];
  const variants: VariantEntry[] = rungs.map((rung) => {
    const m = measured.get(rung.name);
    if (!m) throw new Error(`rendition ${rung.name} was not measured`);
    decoded.push(m.durationSeconds);
    return {
      uri: `${rung.name}/index.m3u8`,
      bandwidth: m.bandwidth,
      codecs: m.codecs,
      width: rung.width,
      height: rung.height,
      frameRate: rung.frameRate,
    };
  });
  const shortest = Math.min(...decoded);
  if (shortest < probedSeconds * 0.9 - 0.5) {
    throw new MediaError(
      'corrupt_media',
      `Only ${shortest.toFixed(1)} of ${probedSeconds.toFixed(1)} seconds could be decoded; the file is damaged or truncated.`,
    );
  }
  const master = masterPlaylist(variants, audioEntry);
  if (variants.length === 0 && audioEntry) {
    return {
      master,
      renditions: [
        {
          name: AUDIO_RENDITION,
          width: null,
          height: null,
          bandwidth: audioEntry.bandwidth.peak,
          averageBandwidth: audioEntry.bandwidth.average,
          codecs: audioEntry.codecs,
        },
      ],
    };
  }
  const renditions = variants.map((v, i) => ({
    name: rungs[i]!.name,
    width: v.width ?? null,
    height: v.height ?? null,
    bandwidth: v.bandwidth.peak + (audioEntry?.bandwidth.peak ?? 0),
    averageBandwidth: v.bandwidth.average + (audioEntry?.bandwidth.average ?? 0),
    codecs: [v.codecs, audioEntry?.codecs].filter(Boolean).join(','),
  }));
  return { master, renditions };
}
