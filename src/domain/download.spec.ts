import { downloadCommand, downloadFilename, downloadObject, downloadRendition, hasAudio } from './download';

const rung = (name: string, width: number, height: number) => ({
  name,
  width,
  height,
  bandwidth: 1,
  codecs: 'avc1.64001f,mp4a.40.2',
});

describe('downloads', () => {
  it('copies the highest rung at or below the short-side limit, else the smallest', () => {
    const ladder = [rung('1080p', 1920, 1080), rung('720p', 1280, 720), rung('360p', 640, 360)];
    expect(downloadRendition(ladder, 1080)!.name).toBe('1080p');
    expect(downloadRendition(ladder, 720)!.name).toBe('720p');
    expect(downloadRendition(ladder, 200)!.name).toBe('360p');
    expect(downloadRendition([rung('720p', 720, 1280)], 720)!.name).toBe('720p');
    expect(
      downloadRendition([{ name: 'audio', width: null, height: null, bandwidth: 1, codecs: 'mp4a.40.2' }], 1080),
    ).toBeNull();
    expect(hasAudio(ladder)).toBe(true);
    expect(hasAudio([{ ...rung('360p', 640, 360), codecs: 'avc1.64001e' }])).toBe(false);
  });

  it('names the file after the title, safely, and keys it by its disposition', () => {
    expect(downloadFilename('My trip: day 1/2')).toBe('My trip_ day 1_2.mp4');
    expect(downloadFilename('..\u0000hidden')).toBe('_hidden.mp4');
    expect(downloadFilename('   ')).toBe('video.mp4');
    expect(downloadFilename('Café "crème"')).toBe('Café _crème_.mp4');
    expect([...downloadFilename('x'.repeat(500))]).toHaveLength(124);
    const cafe = downloadObject('Café.mp4');
    expect(cafe.disposition).toBe('attachment; filename="Caf_.mp4"; filename*=UTF-8\'\'Caf%C3%A9.mp4');
    expect(cafe.name).toMatch(/^[0-9a-f]{16}$/);
    expect(downloadObject('Other.mp4').name).not.toBe(cafe.name);
  });

  it('stream-copies the two local files into a fast-start MP4, reading nothing else', () => {
    const args = downloadCommand('/tmp/d/video.mp4', '/tmp/d/audio.mp4', '/tmp/d/out.mp4');
    expect(args.join(' ')).toBe(
      '-hide_banner -nostdin -y -loglevel error -protocol_whitelist file -f mp4 -i file:/tmp/d/video.mp4 -protocol_whitelist file -f mp4 -i file:/tmp/d/audio.mp4 -map 0:v:0 -map 1:a:0 -c copy -movflags +faststart -f mp4 file:/tmp/d/out.mp4',
    );
    expect(downloadCommand(null, '/tmp/d/audio.mp4', '/tmp/d/out.mp4')).toContain('0:a:0');
    expect(() => downloadCommand(null, null, '/tmp/out.mp4')).toThrow();
  });
});
