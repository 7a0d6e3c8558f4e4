import { checkJoins, StitchError, stitchedPlaylist, type ChunkRendition } from './ladder-stitch';
import { parseMediaPlaylist } from './playlists';

const init = Buffer.from('init-bytes');
const chunk = (
  index: number,
  first: number,
  segments: string[],
  start: number,
  end: number,
  initBytes = init,
): ChunkRendition => ({
  index,
  initUri: 'init.mp4',
  init: initBytes,
  segments: segments.map((uri) => ({ uri, durationSeconds: 2, bytes: 1000 })),
  first: { start, end: start + 60, samples: 60 },
  last: { start: end - 60, end, samples: 60 },
});

describe('checkJoins', () => {
  const good = [chunk(0, 0, ['seg_00000.m4s', 'seg_00001.m4s'], 0, 120), chunk(1, 2, ['seg_00002.m4s'], 120, 180)];

  it('accepts chunks whose init segments match and whose timestamps run on', () => {
    expect(() => checkJoins('360p', good)).not.toThrow();
  });

  it('refuses an init segment that differs, naming the chunk', () => {
    const bad = [good[0]!, { ...good[1]!, init: Buffer.from('other-bytes') }];
    expect(() => checkJoins('360p', bad)).toThrow(StitchError);
    expect(() => checkJoins('360p', bad)).toThrow(/360p: chunk 1's init segment differs/);
  });

  it('refuses a gap or an overlap at a join', () => {
    expect(() => checkJoins('360p', [good[0]!, { ...good[1]!, first: { start: 121, end: 181, samples: 60 } }])).toThrow(
      /chunk 1 starts at tfdt 121 but chunk 0 ends at 120/,
    );
    expect(() => checkJoins('360p', [good[0]!, { ...good[1]!, first: { start: 119, end: 179, samples: 60 } }])).toThrow(
      StitchError,
    );
  });

  it('refuses a repeated segment name, a missing chunk and a file outside the rendition', () => {
    expect(() => checkJoins('360p', [good[0]!, chunk(1, 1, ['seg_00001.m4s'], 120, 180)])).toThrow(
      /also in an earlier chunk/,
    );
    expect(() => checkJoins('360p', [good[0]!, { ...good[1]!, index: 2 }])).toThrow(/chunk 1 is missing/);
    expect(() => checkJoins('360p', [good[0]!, chunk(1, 2, ['../x.m4s'], 120, 180)])).toThrow(/unexpected file/);
    expect(() => checkJoins('360p', [])).toThrow(StitchError);
  });
});

describe('stitchedPlaylist', () => {
  it('lists every segment once after one EXT-X-MAP, as VOD', () => {
    const text = stitchedPlaylist('init.mp4', [
      { uri: 'seg_00000.m4s', durationSeconds: 6, bytes: 1 },
      { uri: 'seg_00001.m4s', durationSeconds: 6.006, bytes: 1 },
      { uri: 'seg_00002.m4s', durationSeconds: 1.5, bytes: 1 },
    ]);
    expect(text.match(/#EXT-X-MAP/g)).toHaveLength(1);
    expect(text).toContain('#EXT-X-TARGETDURATION:7');
    expect(text).toContain('#EXT-X-PLAYLIST-TYPE:VOD');
    expect(text).not.toContain('DISCONTINUITY');
    const parsed = parseMediaPlaylist(text);
    expect(parsed).toEqual({
      initUri: 'init.mp4',
      ended: true,
      segments: [
        { uri: 'seg_00000.m4s', durationSeconds: 6 },
        { uri: 'seg_00001.m4s', durationSeconds: 6.006 },
        { uri: 'seg_00002.m4s', durationSeconds: 1.5 },
      ],
    });
  });
});
