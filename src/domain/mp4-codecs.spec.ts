import { execFileSync } from 'node:child_process';
import { mkdtempSync, readFileSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { codecsFromInitSegment } from './mp4-codecs';

describe('codecsFromInitSegment', () => {
  it('reads avc1 profile/level and mp4a object type from a real fMP4 init segment', () => {
    const dir = mkdtempSync(join(tmpdir(), 'velvet-codecs-'));
    try {
      execFileSync('ffmpeg', [
        '-hide_banner',
        '-loglevel',
        'error',
        '-f',
        'lavfi',
        '-i',
        'testsrc2=size=320x180:rate=25',
        '-f',
        'lavfi',
        '-i',
        'sine',
        '-t',
        '1',
        '-c:v',
        'libx264',
        '-profile:v',
        'main',
        '-level',
        '3.1',
        '-c:a',
        'aac',
        '-f',
        'hls',
        '-hls_segment_type',
        'fmp4',
        '-hls_fmp4_init_filename',
        'init.mp4',
        join(dir, 'x.m3u8'),
      ]);
      expect(codecsFromInitSegment(readFileSync(join(dir, 'init.mp4')))).toEqual(['avc1.4D401F', 'mp4a.40.2']);
    } finally {
      rmSync(dir, { recursive: true, force: true });
    }
  });

  it('returns nothing for bytes without sample entries', () => {
    expect(codecsFromInitSegment(Buffer.from('no boxes here'))).toEqual([]);
  });
});
