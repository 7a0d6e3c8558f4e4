import { PlaylistSigningError, signPlaylist, type PlaylistSigning } from './signed-playlist';

const Q = 'Policy=eyJTdGF0ZW1lbnQiOltdfQ__&Signature=abc~def-_&Key-Pair-Id=K2JCJMDEHXQW5F';
const CDN = 'https://cdn.example.test/videos/0abc/';
const signing = (playlistPath: string): PlaylistSigning => ({
  playlistUrl: `${CDN}${playlistPath}`,
  videoPrefix: CDN,
  signedQuery: Q,
  playlistRoute: (path) => `https://api.example.test/v1/videos/0abc/signed/${path}`,
});

describe('a playlist signed for clients without cookies', () => {
  it('sends the playlists a master names to the signed route and everything else to the CDN, each with the query', () => {
    const master = [
      '#EXTM3U',
      '#EXT-X-VERSION:7',
      '#EXT-X-MEDIA:TYPE=AUDIO,GROUP-ID="aud",NAME="audio",DEFAULT=YES,URI="audio/index.m3u8"',
      '#EXT-X-MEDIA:TYPE=SUBTITLES,GROUP-ID="subs",NAME="English",LANGUAGE="en",URI="captions/en.m3u8"',
      '#EXT-X-STREAM-INF:BANDWIDTH=800000,CODECS="avc1.64001e,mp4a.40.2",AUDIO="aud",SUBTITLES="subs"',
      '360p/index.m3u8',
      '',
    ].join('\n');
    expect(signPlaylist(master, signing('hls/v1/master.m3u8')).split('\n')).toEqual([
      '#EXTM3U',
      '#EXT-X-VERSION:7',
      `#EXT-X-MEDIA:TYPE=AUDIO,GROUP-ID="aud",NAME="audio",DEFAULT=YES,URI="https://api.example.test/v1/videos/0abc/signed/hls/v1/audio/index.m3u8?${Q}"`,
      `#EXT-X-MEDIA:TYPE=SUBTITLES,GROUP-ID="subs",NAME="English",LANGUAGE="en",URI="https://api.example.test/v1/videos/0abc/signed/hls/v1/captions/en.m3u8?${Q}"`,
      '#EXT-X-STREAM-INF:BANDWIDTH=800000,CODECS="avc1.64001e,mp4a.40.2",AUDIO="aud",SUBTITLES="subs"',
      `https://api.example.test/v1/videos/0abc/signed/hls/v1/360p/index.m3u8?${Q}`,
      '',
    ]);
  });

  it("signs a media playlist's init segment, key and segments on the CDN, keeping their own query", () => {
    const media = [
      '#EXTM3U',
      '#EXT-X-TARGETDURATION:4',
      '#EXT-X-MAP:URI="init.mp4"',
      '#EXT-X-KEY:METHOD=SAMPLE-AES,URI="../keys/k1?v=2",KEYFORMAT="identity"',
      '#EXTINF:4.000,',
      'seg_00000.m4s',
      '#EXTINF:4.000,',
      '  seg_00001.m4s  ',
      '#EXT-X-ENDLIST',
    ].join('\n');
    expect(signPlaylist(media, signing('hls/v1/360p/index.m3u8')).split('\n')).toEqual([
      '#EXTM3U',
      '#EXT-X-TARGETDURATION:4',
      `#EXT-X-MAP:URI="${CDN}hls/v1/360p/init.mp4?${Q}"`,
      `#EXT-X-KEY:METHOD=SAMPLE-AES,URI="${CDN}hls/v1/keys/k1?v=2&${Q}",KEYFORMAT="identity"`,
      '#EXTINF:4.000,',
      `${CDN}hls/v1/360p/seg_00000.m4s?${Q}`,
      '#EXTINF:4.000,',
      `${CDN}hls/v1/360p/seg_00001.m4s?${Q}`,
      '#EXT-X-ENDLIST',
    ]);
  });

  it('signs nothing outside the video: climbing out, another host, another video', () => {
    const at = signing('hls/v1/360p/index.m3u8');
    for (const uri of ['../../../../0abd/hls/v1/seg.m4s', 'https://evil.test/videos/0abc/x.m4s', '/videos/0abcd/x.m4s'])
      expect(() => signPlaylist(`#EXTM3U\n#EXTINF:4,\n${uri}\n`, at)).toThrow(PlaylistSigningError);
    expect(() => signPlaylist('<html>', at)).toThrow(PlaylistSigningError);
  });
});
