import type { Video } from './video';
import { endpointWants, videoEventTypes } from './video-events';
import { nextAttemptAt, shouldDisable } from './webhook-schedule';

const at = new Date('2026-12-01T00:00:00Z');
const base = {
  id: 'v',
  ownerId: 'alice',
  title: 't',
  access: 'public',
  status: 'awaiting_upload',
  playableAt: null,
} as unknown as Video;
const v = (patch: Partial<Video>): Video => ({ ...base, ...patch }) as Video;

describe('videoEventTypes (the one place deciding what a change emits)', () => {
  it.each([
    ['created', null, base, ['video.created']],
    ['upload completed', base, v({ status: 'queued' }), ['video.upload.completed']],
    ['processing', v({ status: 'queued' }), v({ status: 'processing' }), ['video.processing']],
    ['a retried attempt, still processing', v({ status: 'processing' }), v({ status: 'processing' }), []],
    ['preview playable', v({ status: 'processing' }), v({ status: 'processing', playableAt: at }), ['video.playable']],
    [
      'ready after a preview',
      v({ status: 'processing', playableAt: at }),
      v({ status: 'ready', playableAt: at }),
      ['video.ready'],
    ],
    [
      'ready without a preview',
      v({ status: 'processing' }),
      v({ status: 'ready', playableAt: at }),
      ['video.playable', 'video.ready'],
    ],
    ['failed', v({ status: 'processing', playableAt: at }), v({ status: 'failed' }), ['video.failed']],
    ['re-queued after failing', v({ status: 'failed' }), v({ status: 'queued' }), ['video.updated']],
    ['preview dropped', v({ status: 'processing', playableAt: at }), v({ status: 'processing' }), ['video.updated']],
    ['renamed', base, v({ title: 'new' }), ['video.updated']],
    ['deleted', v({ status: 'ready' }), null, ['video.deleted']],
  ] as const)('%s', (_, before, after, expected) => {
    expect(videoEventTypes(before as Video | null, after as Video | null)).toEqual(expected);
  });
});

describe('endpointWants', () => {
  const endpoint = { ownerId: 'alice', scope: 'own' as const, events: null, disabledAt: null };
  it("takes its owner's events, of its types, while enabled; scope all takes everyone's", () => {
    expect(endpointWants(endpoint, { ownerId: 'alice', type: 'video.ready' })).toBe(true);
    expect(endpointWants(endpoint, { ownerId: 'bob', type: 'video.ready' })).toBe(false);
    expect(endpointWants({ ...endpoint, scope: 'all' }, { ownerId: 'bob', type: 'video.ready' })).toBe(true);
    expect(endpointWants({ ...endpoint, events: ['video.failed'] }, { ownerId: 'alice', type: 'video.ready' })).toBe(
      false,
    );
    expect(endpointWants({ ...endpoint, disabledAt: at }, { ownerId: 'alice', type: 'video.ready' })).toBe(false);
  });
});

describe('the retry schedule', () => {
  const now = new Date('2026-12-01T12:00:00Z');
  const after = (attempts: number, random = 0.5) =>
    nextAttemptAt({ attempts, firstAttemptAt: now, now, retryHours: 24, random: () => random })!.getTime() -
    now.getTime();

  it('retries about 10 s after the first failure, then doubles, with ±20 % jitter, capped at an hour', () => {
    expect(after(1)).toBe(10_000);
    expect(after(1, 0)).toBe(8_000);
    expect(after(1, 1)).toBe(12_000);
    expect(after(2)).toBe(20_000);
    expect(after(5)).toBe(160_000);
    expect(after(20)).toBe(3_600_000);
  });

  it('gives up when the next try would fall past the retry window', () => {
    const first = new Date(now.getTime() - 24 * 3_600_000 + 5_000);
    expect(nextAttemptAt({ attempts: 3, firstAttemptAt: first, now, retryHours: 24, random: () => 0.5 })).toBeNull();
    expect(nextAttemptAt({ attempts: 1, firstAttemptAt: now, now, retryHours: 24 })).not.toBeNull();
  });

  it('disables an endpoint failing for the whole period only', () => {
    expect(shouldDisable(new Date(now.getTime() - 5 * 86_400_000), now, 5)).toBe(true);
    expect(shouldDisable(new Date(now.getTime() - 4 * 86_400_000), now, 5)).toBe(false);
    expect(shouldDisable(null, now, 5)).toBe(false);
  });
});
