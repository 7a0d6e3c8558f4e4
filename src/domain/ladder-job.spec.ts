import { planChunks } from './chunk-plan';
import {
  AUDIO_AFTER_CHUNKS,
  chunkRungs,
  planLadderFlow,
  PRIORITIES,
  type LadderSpec,
  type PublishPayload,
} from './ladder-job';
import type { Rung } from './ladder';

const ladder = (over: Partial<LadderSpec> = {}): LadderSpec => ({
  videoId: '0123456789abcdefghjkmnpqrs',
  version: 'v1',
  demuxer: 'mov,mp4,m4a,3gp,3g2,mj2',
  preset: 'veryfast',
  segmentSeconds: 6,
  durationSeconds: 40,
  rungs: [],
  hasAudio: true,
  chunkCount: 3,
  progress: [15, 90],
  storyboard: { intervalSeconds: 5, tileWidth: 160, tileHeight: 90, columns: 5, rows: 5 },
  storyboardFromChunks: true,
  ...over,
});
const publish = (spec: LadderSpec): PublishPayload => ({ ladder: spec, sourceEtag: '"e"', width: 640, height: 360 });

describe('planLadderFlow', () => {
  it('plans one child per chunk and the audio under the publish job; the chunks make the storyboard', () => {
    const chunks = planChunks(40, 12, 6, 30);
    const flow = planLadderFlow(chunks, publish(ladder()));
    expect(flow.priority).toBe(PRIORITIES.publish);
    expect(flow.publish.ladder.version).toBe('v1');
    expect(flow.children.map((c) => c.kind)).toEqual(['chunk', 'chunk', 'chunk', 'audio']);
    expect(flow.children.filter((c) => c.kind === 'chunk').map((c) => c.chunk.index)).toEqual([0, 1, 2]);
  });

  it('keeps a storyboard child for a ladder planned before the chunks made the tiles', () => {
    const flow = planLadderFlow(planChunks(40, 12, 6, 30), publish(ladder({ storyboardFromChunks: undefined })));
    expect(flow.children.map((c) => c.kind)).toEqual(['chunk', 'chunk', 'chunk', 'storyboard', 'audio']);
  });

  it('runs the first chunks of every video before the later chunks of a long one', () => {
    const flow = planLadderFlow(planChunks(120, 12, 6, 30), publish(ladder({ chunkCount: 10 })));
    const priorities = flow.children.filter((c) => c.kind === 'chunk').map((c) => c.priority);
    expect(priorities).toEqual([...priorities].sort((a, b) => a - b));
    expect(new Set(priorities).size).toBe(priorities.length);
    // A long video's audio starts once its first chunks are under way, not after all of them.
    const audio = flow.children.find((c) => c.kind === 'audio')!.priority;
    expect(priorities.filter((p) => p < audio)).toHaveLength(AUDIO_AFTER_CHUNKS);
    expect(audio).toBeLessThan(priorities.at(-1)!);
    expect(flow.priority).toBeLessThan(priorities[0]!);
  });

  it("runs a short video's audio after all its chunks, on the first worker done with one", () => {
    const flow = planLadderFlow(planChunks(60, 30, 6, 30), publish(ladder({ chunkCount: 2 })));
    const chunks = flow.children.filter((c) => c.kind === 'chunk').map((c) => c.priority);
    expect(flow.children.find((c) => c.kind === 'audio')!.priority).toBeGreaterThan(Math.max(...chunks));
  });

  it('has no storyboard child without a storyboard plan, and no audio child for a silent video', () => {
    const flow = planLadderFlow(planChunks(40, 12, 6, 30), publish(ladder({ storyboard: null, hasAudio: false })));
    expect(flow.children.map((c) => c.kind)).toEqual(['chunk', 'chunk', 'chunk']);
  });

  it("leaves out what the preview makes: its rung from every chunk, the audio child when it is the preview's", () => {
    const rung = (name: string): Rung => ({
      name,
      width: 640,
      height: 360,
      frameRate: 30,
      videoBitrate: 800_000,
      maxBitrate: 1_200_000,
      bufferSize: 1_600_000,
    });
    const rungs = [rung('720p'), rung('480p'), rung('360p')];
    const withAudio = ladder({ rungs, fromPreview: ['360p', 'audio'] });
    expect(chunkRungs(withAudio).map((r) => r.name)).toEqual(['720p', '480p']);
    expect(planLadderFlow(planChunks(40, 12, 6, 30), publish(withAudio)).children.map((c) => c.kind)).toEqual([
      'chunk',
      'chunk',
      'chunk',
    ]);
    // Joining a source's copy, the preview has no audio of its own: the ladder encodes it.
    const rungOnly = ladder({ rungs, fromPreview: ['360p'] });
    expect(planLadderFlow(planChunks(40, 12, 6, 30), publish(rungOnly)).children.at(-1)!.kind).toBe('audio');
    // Flows queued before: every rung in every chunk.
    expect(chunkRungs(ladder({ rungs }))).toEqual(rungs);
  });
});
