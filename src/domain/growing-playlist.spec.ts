import { endedEventAsVod, eventPlaylist, listableCounts, viewerStaysBehind } from './growing-playlist';
import { parseMediaPlaylist } from './playlists';

describe('eventPlaylist', () => {
  const segments = [
    { uri: 'seg_00000.m4s', durationSeconds: 6 },
    { uri: 'seg_00001.m4s', durationSeconds: 6.006 },
  ];

  it('writes an EVENT playlist that starts at 0 and lists only the given segments', () => {
    const text = eventPlaylist({ targetDurationSeconds: 6, initUri: 'init.mp4', segments, ended: false });
    expect(text).toBe(
      [
        '#EXTM3U',
        '#EXT-X-VERSION:7',
        '#EXT-X-TARGETDURATION:6',
        '#EXT-X-MEDIA-SEQUENCE:0',
        '#EXT-X-PLAYLIST-TYPE:EVENT',
        '#EXT-X-INDEPENDENT-SEGMENTS',
        '#EXT-X-START:TIME-OFFSET=0',
        '#EXT-X-MAP:URI="init.mp4"',
        '#EXTINF:6.000000,',
        'seg_00000.m4s',
        '#EXTINF:6.006000,',
        'seg_00001.m4s',
        '',
      ].join('\n'),
    );
    expect(parseMediaPlaylist(text)).toEqual({ initUri: 'init.mp4', segments, ended: false });
  });

  it('appends EXT-X-ENDLIST at the end and changes nothing before it', () => {
    const growing = eventPlaylist({ targetDurationSeconds: 6, initUri: 'init.mp4', segments, ended: false });
    const ended = eventPlaylist({ targetDurationSeconds: 6, initUri: 'init.mp4', segments, ended: true });
    expect(ended).toBe(`${growing}#EXT-X-ENDLIST\n`);
    expect(parseMediaPlaylist(ended).ended).toBe(true);
  });

  it('refuses a segment longer than the fixed target duration', () => {
    expect(() =>
      eventPlaylist({
        targetDurationSeconds: 6,
        initUri: 'init.mp4',
        segments: [{ uri: 's', durationSeconds: 6.6 }],
        ended: false,
      }),
    ).toThrow(/over the target duration/);
  });
});

describe('listableCounts', () => {
  it('lists every rendition up to the count the slowest has finished while encoding', () => {
    expect(listableCounts({ '360p': 5, audio: 4 }, false)).toEqual({ '360p': 4, audio: 4 });
    expect(listableCounts({ '360p': 2, audio: 0 }, false)).toEqual({ '360p': 0, audio: 0 });
  });

  it('lists each rendition whole once encoding is done', () => {
    expect(listableCounts({ '360p': 5, audio: 6 }, true)).toEqual({ '360p': 5, audio: 6 });
  });
});

describe('viewerStaysBehind', () => {
  it('lets a viewer in at the first segment when the encode is well above realtime', () => {
    expect(viewerStaysBehind(6, 3600, 2)).toBe(true);
    expect(viewerStaysBehind(6, 3600, 1.25)).toBe(true);
  });

  it('waits until enough is published when the encode is slower than realtime (with a margin)', () => {
    // speed 0.75 / 1.25 = 0.6: the viewer may start once 40 % is out.
    expect(viewerStaysBehind(23, 60, 0.75)).toBe(false);
    expect(viewerStaysBehind(24, 60, 0.75)).toBe(true);
    expect(viewerStaysBehind(6, 60, 1.1)).toBe(false);
  });

  it('never lets a viewer in before anything is published', () => {
    expect(viewerStaysBehind(0, 60, 10)).toBe(false);
  });
});

describe('endedEventAsVod', () => {
  const event = eventPlaylist({
    targetDurationSeconds: 6,
    initUri: 'init_0.mp4',
    segments: [{ uri: 'seg_00000.m4s', durationSeconds: 4 }],
    ended: true,
  });

  it('declares an ended EVENT playlist VOD and changes nothing else', () => {
    const vod = endedEventAsVod(event);
    expect(vod).toBe(event.replace('#EXT-X-PLAYLIST-TYPE:EVENT', '#EXT-X-PLAYLIST-TYPE:VOD'));
    expect(parseMediaPlaylist(vod)).toEqual(parseMediaPlaylist(event));
  });

  it('refuses a playlist that is still growing, or not EVENT', () => {
    expect(() => endedEventAsVod(event.replace('#EXT-X-ENDLIST\n', ''))).toThrow(/not ended/);
    expect(() => endedEventAsVod(event.replace('EVENT', 'VOD'))).toThrow(/not an EVENT/);
  });
});
