import { bitrateStats, masterPlaylist, parseMediaPlaylist } from './playlists';

describe('playlists', () => {
  it('parses the init segment and segment durations of a media playlist', () => {
    const text =
      '#EXTM3U\n#EXT-X-MAP:URI="init_0.mp4"\n#EXTINF:6.000000,\nseg_00000.m4s\n#EXTINF:2.5,\nseg_00001.m4s\n#EXT-X-ENDLIST\n';
    expect(parseMediaPlaylist(text)).toEqual({
      initUri: 'init_0.mp4',
      segments: [
        { uri: 'seg_00000.m4s', durationSeconds: 6 },
        { uri: 'seg_00001.m4s', durationSeconds: 2.5 },
      ],
      ended: true,
    });
    expect(() => parseMediaPlaylist('not a playlist')).toThrow();
  });

  it('measures the peak segment bitrate and the average', () => {
    expect(
      bitrateStats([
        { uri: 'a', durationSeconds: 2, bytes: 1000 },
        { uri: 'b', durationSeconds: 1, bytes: 1000 },
      ]),
    ).toEqual({ peak: 8000, average: 5334 });
  });

  it('writes a master whose variants include the audio group in BANDWIDTH and CODECS', () => {
    const text = masterPlaylist(
      [
        {
          uri: '360p/index.m3u8',
          bandwidth: { peak: 800_000, average: 700_000 },
          codecs: 'avc1.64001E',
          width: 640,
          height: 360,
          frameRate: 30,
        },
        {
          uri: '720p/index.m3u8',
          bandwidth: { peak: 3_000_000, average: 2_500_000 },
          codecs: 'avc1.64001F',
          width: 1280,
          height: 720,
          frameRate: 30,
        },
      ],
      {
        groupId: 'audio',
        name: 'Default',
        uri: 'audio/index.m3u8',
        bandwidth: { peak: 130_000, average: 128_000 },
        codecs: 'mp4a.40.2',
      },
    );
    expect(text.split('\n')).toEqual([
      '#EXTM3U',
      '#EXT-X-VERSION:7',
      '#EXT-X-INDEPENDENT-SEGMENTS',
      '#EXT-X-MEDIA:TYPE=AUDIO,GROUP-ID="audio",NAME="Default",DEFAULT=YES,AUTOSELECT=YES,CHANNELS="2",URI="audio/index.m3u8"',
      '#EXT-X-STREAM-INF:BANDWIDTH=3130000,AVERAGE-BANDWIDTH=2628000,CODECS="avc1.64001F,mp4a.40.2",RESOLUTION=1280x720,FRAME-RATE=30.000,AUDIO="audio"',
      '720p/index.m3u8',
      '#EXT-X-STREAM-INF:BANDWIDTH=930000,AVERAGE-BANDWIDTH=828000,CODECS="avc1.64001E,mp4a.40.2",RESOLUTION=640x360,FRAME-RATE=30.000,AUDIO="audio"',
      '360p/index.m3u8',
      '',
    ]);
  });

  it('writes an audio-only master with the audio rendition as the variant', () => {
    const text = masterPlaylist([], {
      groupId: 'audio',
      name: 'Default',
      uri: 'audio/index.m3u8',
      bandwidth: { peak: 130_000, average: 128_000 },
      codecs: 'mp4a.40.2',
    });
    expect(text).toContain(
      '#EXT-X-STREAM-INF:BANDWIDTH=130000,AVERAGE-BANDWIDTH=128000,CODECS="mp4a.40.2"\naudio/index.m3u8',
    );
    expect(text).not.toContain('EXT-X-MEDIA');
  });
});
