import type { MediaInfo } from './media-info';
import { phaseProgress, planTranscode } from './transcode-plan';

const video = (width: number, height: number, audio = true): MediaInfo => ({
  formatName: 'mov,mp4,m4a,3gp,3g2,mj2',
  durationSeconds: 60,
  video: { codec: 'h264', width, height, frameRate: 30, pixelFormat: 'yuv420p', profile: 'High' },
  audio: audio ? { codec: 'aac', channels: 2, sampleRate: 48000 } : null,
});
const ladder = [1080, 720, 480, 360];

describe('planTranscode', () => {
  it('previews the rung at or below PREVIEW_SHORT_SIDE with the audio, then the whole ladder', () => {
    const plan = planTranscode(video(1920, 1080), { shortSides: ladder, previewShortSide: 360 });
    expect(plan.ladder.map((r) => r.name)).toEqual(['1080p', '720p', '480p', '360p']);
    expect(plan.preview).toEqual({ rungs: [plan.ladder[3]], hasAudio: true });
    expect(
      planTranscode(video(1920, 1080), { shortSides: ladder, previewShortSide: 500 }).preview!.rungs.map((r) => r.name),
    ).toEqual(['480p']);
  });

  it('previews the smallest rung when every rung is above PREVIEW_SHORT_SIDE, and a portrait source by its short side', () => {
    expect(
      planTranscode(video(1920, 1080), { shortSides: [1080, 720], previewShortSide: 360 }).preview!.rungs.map(
        (r) => r.name,
      ),
    ).toEqual(['720p']);
    const portrait = planTranscode(video(1080, 1920), { shortSides: ladder, previewShortSide: 360 }).preview!.rungs[0]!;
    expect([portrait.width, portrait.height]).toEqual([360, 640]);
  });

  it('previews audio alone for an audio-only source, and video alone for a silent one', () => {
    const audioOnly: MediaInfo = { ...video(2, 2), video: null };
    expect(planTranscode(audioOnly, { shortSides: ladder, previewShortSide: 360 }).preview).toEqual({
      rungs: [],
      hasAudio: true,
    });
    expect(
      planTranscode(video(1280, 720, false), { shortSides: ladder, previewShortSide: 360 }).preview!.hasAudio,
    ).toBe(false);
  });

  it('switches the preview off at PREVIEW_SHORT_SIDE=0, giving the ladder the whole progress', () => {
    const plan = planTranscode(video(1920, 1080), { shortSides: ladder, previewShortSide: 0 });
    expect(plan.preview).toBeNull();
    expect(plan.progress).toEqual({ preview: [0, 0], ladder: [0, 90], publish: [90, 100] });
  });

  it('orders the phases so progress never goes back', () => {
    const { progress } = planTranscode(video(1920, 1080), { shortSides: ladder, previewShortSide: 360 });
    const points = [0, 0.5, 1].flatMap((f) =>
      [progress.preview, progress.ladder, progress.publish].map((s) => phaseProgress(s, f)),
    );
    const inOrder = [progress.preview, progress.ladder, progress.publish].flatMap((s) =>
      [0, 0.5, 1].map((f) => phaseProgress(s, f)),
    );
    expect([...inOrder].sort((a, b) => a - b)).toEqual(inOrder);
    expect(Math.min(...points)).toBe(0);
    expect(Math.max(...points)).toBe(100);
    expect(phaseProgress([15, 90], 2)).toBe(90);
  });
});
