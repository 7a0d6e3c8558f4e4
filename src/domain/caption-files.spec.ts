import { captionFiles, subtitlePlaylist } from './caption-files';

const MASTER = [
  '#EXTM3U',
  '#EXT-X-VERSION:7',
  '#EXT-X-INDEPENDENT-SEGMENTS',
  '#EXT-X-MEDIA:TYPE=AUDIO,GROUP-ID="audio",NAME="Default",DEFAULT=YES,AUTOSELECT=YES,CHANNELS="2",URI="audio/index.m3u8"',
  '#EXT-X-STREAM-INF:BANDWIDTH=900000,CODECS="avc1.64001f,mp4a.40.2",RESOLUTION=1280x720,AUDIO="audio"',
  '720p/index.m3u8',
  '#EXT-X-STREAM-INF:BANDWIDTH=400000,CODECS="avc1.64001e,mp4a.40.2",RESOLUTION=640x360,AUDIO="audio"',
  '360p/index.m3u8',
  '',
].join('\n');
const en = { lang: 'en', label: 'English', isDefault: true, vtt: 'WEBVTT\n\n00:00:01.000 --> 00:00:02.000\nHello\n' };
const fr = {
  lang: 'fr',
  label: 'Français',
  isDefault: false,
  vtt: 'WEBVTT\n\n00:00:01.000 --> 00:00:02.000\nBonjour\n',
};

describe('caption files', () => {
  it('adds a subtitle group to the master and points every variant at it', () => {
    const made = captionFiles([fr, en], 12.5, MASTER)!;
    const master = made.files.at(-1)!;
    expect(master.path).toBe(made.master);
    expect(made.master).toMatch(/^master-[0-9a-f]{16}\.m3u8$/);
    const lines = master.body.split('\n');
    const media = lines.filter((l) => l.startsWith('#EXT-X-MEDIA:TYPE=SUBTITLES'));
    expect(media).toEqual([
      expect.stringMatching(
        /^#EXT-X-MEDIA:TYPE=SUBTITLES,GROUP-ID="subs",NAME="English",LANGUAGE="en",DEFAULT=YES,AUTOSELECT=YES,FORCED=NO,URI="captions\/en\/[0-9a-f]{16}\.m3u8"$/,
      ),
      expect.stringMatching(/NAME="Français",LANGUAGE="fr",DEFAULT=NO/),
    ]);
    expect(lines.indexOf(media[1]!)).toBeLessThan(lines.findIndex((l) => l.startsWith('#EXT-X-STREAM-INF')));
    expect(lines.filter((l) => l.startsWith('#EXT-X-STREAM-INF'))).toEqual([
      expect.stringMatching(/AUDIO="audio",SUBTITLES="subs"$/),
      expect.stringMatching(/,SUBTITLES="subs"$/),
    ]);
    const uri = /URI="(captions\/en\/[^"]+)"/.exec(media[0]!)![1]!;
    const playlist = made.files.find((f) => f.path === uri)!;
    const vtt = made.files.find((f) => f.path === uri.replace('.m3u8', '.vtt'))!;
    expect(playlist.body).toBe(subtitlePlaylist(uri.split('/').pop()!.replace('.m3u8', '.vtt'), 12.5));
    expect(vtt.body).toBe(
      'WEBVTT\nX-TIMESTAMP-MAP=MPEGTS:0,LOCAL:00:00:00.000\n\n00:00:01.000 --> 00:00:02.000\nHello\n',
    );
  });

  it('names files by content: the same captions make the same master, a change a new one; none make none', () => {
    expect(captionFiles([en, fr], 12.5, MASTER)!.master).toBe(captionFiles([fr, en], 12.5, MASTER)!.master);
    expect(captionFiles([en], 12.5, MASTER)!.master).not.toBe(captionFiles([en, fr], 12.5, MASTER)!.master);
    expect(captionFiles([{ ...en, label: 'English (CC)' }], 12.5, MASTER)!.master).not.toBe(
      captionFiles([en], 12.5, MASTER)!.master,
    );
    expect(captionFiles([], 12.5, MASTER)).toBeNull();
  });

  it('refuses a label that would break out of its quoted attribute', () => {
    expect(() => captionFiles([{ ...en, label: 'a",URI="x' }], 1, MASTER)).toThrow(/double quote/);
  });
});
