import { chooseLadder, type CrfTable, type LadderMode, type Rung } from './ladder';
import type { MediaInfo } from './media-info';

export interface PlanConfig {
  /** Ladder short sides, e.g. [1080, 720, 480, 360]. */
  readonly shortSides: readonly number[];
  /** The preview's rung is the largest at or below this short side; 0 switches the preview off. */
  readonly previewShortSide: number;
  readonly mode?: LadderMode;
  readonly crf?: CrfTable;
}

/** Part of the whole job's progress (0–100) each phase covers, in order. */
export interface ProgressShares {
  readonly preview: readonly [number, number];
  readonly ladder: readonly [number, number];
  readonly publish: readonly [number, number];
}

export interface TranscodePlan {
  readonly ladder: readonly Rung[];
  readonly hasAudio: boolean;
  /** Published while it is encoded, before the ladder; null when switched off. */
  readonly preview: { readonly rungs: readonly Rung[]; readonly hasAudio: boolean } | null;
  readonly progress: ProgressShares;
}

// The preview decodes the whole source like the ladder but encodes one small rung: about a
// sixth of the ladder's time on the benchmark source (bench:playable).
const PREVIEW_SHARE = 15;

/** What one transcode does, decided from the probe and the configuration alone. */
export function planTranscode(info: MediaInfo, config: PlanConfig): TranscodePlan {
  const ladder = chooseLadder(info, config);
  const hasAudio = Boolean(info.audio);
  const rung = previewRung(ladder, config.previewShortSide);
  const preview = config.previewShortSide > 0 && (rung || hasAudio) ? { rungs: rung ? [rung] : [], hasAudio } : null;
  const start = preview ? PREVIEW_SHARE : 0;
  return { ladder, hasAudio, preview, progress: { preview: [0, start], ladder: [start, 90], publish: [90, 100] } };
}

/** The largest rung whose short side is at or below `shortSide`, else the ladder's smallest. */
export function previewRung(ladder: readonly Rung[], shortSide: number): Rung | undefined {
  const short = (r: Rung) => Math.min(r.width, r.height);
  const smallestFirst = [...ladder].sort((a, b) => short(a) - short(b));
  return smallestFirst.filter((r) => short(r) <= shortSide).at(-1) ?? smallestFirst[0];
}

/** Maps a phase's own 0–1 fraction onto the whole job's progress. */
export function phaseProgress(share: readonly [number, number], fraction: number): number {
  const clamped = Math.min(1, Math.max(0, fraction));
  return share[0] + (share[1] - share[0]) * clamped;
}
