import { DomainError } from './errors';
import { decideFailure, isOutage } from './job-failure';
import { StitchError } from './ladder-stitch';
import { MediaError } from './media-info';

describe('decideFailure', () => {
  it('fails the video at once, for good, on media the upload cannot mend', () => {
    const decision = decideFailure(new MediaError('corrupt_media', 'damaged'), 1, 3);
    expect(decision).toMatchObject({ videoFailure: { code: 'corrupt_media', message: 'damaged' }, final: true });
    expect(decision.level).toBe('warn');
  });

  it("fails the video at once on chunks that do not stitch, as Velvet's own fault", () => {
    const decision = decideFailure(new StitchError('gap at chunk 2'), 1, 3);
    expect(decision.videoFailure?.code).toBe('transcode_failed');
    expect(decision.videoFailure?.message).not.toContain('gap at chunk 2');
    expect(decision).toMatchObject({ final: true, level: 'error' });
    expect(decision.log).toContain('gap at chunk 2');
  });

  it('retries anything else until the last attempt, which fails the video', () => {
    expect(decideFailure(new Error('storage reset'), 1, 3)).toMatchObject({ videoFailure: null, final: false });
    expect(decideFailure(new Error('storage reset'), 2, 3).videoFailure).toBeNull();
    expect(decideFailure(new Error('storage reset'), 3, 3)).toMatchObject({
      videoFailure: { code: 'transcode_failed', message: 'Transcoding failed after 3 attempts.' },
      final: false,
      level: 'error',
    });
  });
});

describe('isOutage', () => {
  it('is a dependency being unavailable, nothing else', () => {
    expect(isOutage(new DomainError('dependency_unavailable', 'database down'))).toBe(true);
    expect(isOutage(new DomainError('not_found', 'no video'))).toBe(false);
    expect(isOutage(new Error('dependency_unavailable'))).toBe(false);
  });
});
