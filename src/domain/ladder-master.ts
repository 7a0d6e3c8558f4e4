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
    codecs: [v.codecs, audioEntry?.codecs].filter(Boolean).join(','),
  }));
  return { master, renditions };
}
