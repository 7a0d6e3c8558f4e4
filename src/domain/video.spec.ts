import { wantsWork, type Video } from './video';

type Row = Pick<Video, 'status' | 'previewVersion' | 'ladderVersion'>;
const row = (over: Partial<Row> = {}): Row => ({
  status: 'processing',
  previewVersion: 'p1',
  ladderVersion: 'l1',
  ...over,
});

describe('wantsWork', () => {
  it('wants nothing of a deleted, failed, ready or not yet queued video', () => {
    expect(wantsWork(null, { kind: 'transcode' })).toBe(false);
    for (const status of ['failed', 'ready', 'queued', 'awaiting_upload'] as const) {
      expect(wantsWork(row({ status }), { kind: 'transcode' })).toBe(false);
      expect(wantsWork(row({ status }), { kind: 'ladder', version: 'l1' })).toBe(false);
    }
  });

  it('wants a preview or a ladder only for the version the row records', () => {
    expect(wantsWork(row(), { kind: 'transcode' })).toBe(true);
    expect(wantsWork(row(), { kind: 'preview', version: 'p1' })).toBe(true);
    expect(wantsWork(row(), { kind: 'preview', version: 'p0' })).toBe(false);
    expect(wantsWork(row(), { kind: 'ladder', version: 'l1' })).toBe(true);
    expect(wantsWork(row({ ladderVersion: null }), { kind: 'ladder', version: 'l1' })).toBe(false);
  });
});
