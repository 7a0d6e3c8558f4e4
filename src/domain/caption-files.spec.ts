import { captionDigest, captionMaster, publishedTracks, subtitlePlaylist, trackFiles } from './caption-files';

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
const EN_VTT = 'WEBVTT\n\n00:00:01.000 --> 00:00:02.000\nHello\n';
const FR_VTT = 'WEBVTT\n\n00:00:01.000 --> 00:00:02.000\nBonjour\n';
const en = { lang: 'en', label: 'English', isDefault: true, digest: captionDigest(EN_VTT) };
const fr = { lang: 'fr', label: 'Français', isDefault: false, digest: captionDigest(FR_VTT) };

describe('caption files', () => {
  it('adds a subtitle group to the master and points every variant at it', () => {
    const master = captionMaster([fr, en], MASTER)!;
    expect(master.path).toMatch(/^master-[0-9a-f]{16}\.m3u8$/);
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
    // The master names exactly the files trackFiles publishes for the language.
    const uri = /URI="(captions\/en\/[^"]+)"/.exec(media[0]!)![1]!;
    const files = trackFiles('en', EN_VTT, 12.5);
    expect(files.map((f) => f.path)).toEqual([uri.replace('.m3u8', '.vtt'), uri]);
    expect(files[1]!.body).toBe(subtitlePlaylist(uri.split('/').pop()!.replace('.m3u8', '.vtt'), 12.5));
    expect(files[0]!.body).toBe(
      'WEBVTT\nX-TIMESTAMP-MAP=MPEGTS:0,LOCAL:00:00:00.000\n\n00:00:01.000 --> 00:00:02.000\nHello\n',
    );
  });

  it('names files by content: the same captions make the same master, a change a new one; none make none', () => {
    expect(captionMaster([en, fr], MASTER)!.path).toBe(captionMaster([fr, en], MASTER)!.path);
    expect(captionMaster([en], MASTER)!.path).not.toBe(captionMaster([en, fr], MASTER)!.path);
    expect(captionMaster([{ ...en, label: 'English (CC)' }], MASTER)!.path).not.toBe(captionMaster([en], MASTER)!.path);
    expect(trackFiles('en', EN_VTT, 1)[0]!.path).not.toBe(trackFiles('en', FR_VTT, 1)[0]!.path);
    expect(captionMaster([], MASTER)).toBeNull();
  });

  it('reads back from a master which languages, at which content, it names', () => {
    const published = publishedTracks(captionMaster([en, fr], MASTER)!.body);
    expect([...published].sort()).toEqual([`en/${en.digest}`, `fr/${fr.digest}`]);
    expect(publishedTracks(MASTER).size).toBe(0);
  });

  it('refuses a label that would break out of its quoted attribute, and a malformed digest', () => {
    expect(() => captionMaster([{ ...en, label: 'a",URI="x' }], MASTER)).toThrow(/double quote/);
    expect(() => captionMaster([{ ...en, digest: '../../x' }], MASTER)).toThrow(/digest/);
  });
});
