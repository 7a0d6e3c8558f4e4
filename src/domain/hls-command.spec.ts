import { hlsCommand, posterCommand, remuxCommand, type HlsCommandInput } from './hls-command';
import { chooseLadder } from './ladder';
import { ALLOWED_DEMUXERS, checkSource, demuxerWhitelist, pinnedDemuxer } from './media-policy';
import type { MediaInfo } from './media-info';

const source: MediaInfo = {
  formatName: 'mov,mp4,m4a,3gp,3g2,mj2',
  durationSeconds: 10,
  video: { codec: 'h264', width: 1280, height: 720, frameRate: 30, pixelFormat: 'yuv420p', profile: 'High' },
  audio: { codec: 'aac', channels: 2, sampleRate: 44100 },
};
const rungs = chooseLadder(source, { shortSides: [720, 360] });
const input: HlsCommandInput = {
  sourcePath: '/work/job/source',
  demuxer: 'mov',
  rungs,
  hasAudio: true,
  preset: 'veryfast',
  segmentSeconds: 6,
};
const args = hlsCommand(input);
const value = (flag: string) => args[args.indexOf(flag) + 1];

describe('hlsCommand', () => {
  it('reads only the source, over the file protocol, with the pinned demuxer', () => {
    expect(args.slice(args.indexOf('-protocol_whitelist'), args.indexOf('-i') + 2)).toEqual([
      '-protocol_whitelist',
      'file',
      '-f',
      'mov',
      '-i',
      'file:/work/job/source',
    ]);
    expect(args.filter((a) => a === '-i')).toHaveLength(1);
  });
  it('decodes once and splits into every rung', () => {
    expect(value('-filter_complex')).toMatch(
      /^\[0:v:0\]fps=30,split=2\[s0\]\[s1\];\[s0\]scale=1280:720.*\[v0\];\[s1\]scale=640:360.*\[v1\]$/,
    );
  });
  it('feeds a side output from the same split, as an output of its own after the HLS one', () => {
    const withSide = hlsCommand({
      ...input,
      sideOutput: { filter: 'select=1,scale=160:90', args: ['-f', 'image2', '/work/job/tiles/t-%05d.jpg'] },
    });
    const graph = withSide[withSide.indexOf('-filter_complex') + 1]!;
    expect(graph).toMatch(/^\[0:v:0\]fps=30,split=3\[s0\]\[s1\]\[s2\];/);
    expect(graph.endsWith(';[s2]select=1,scale=160:90[side]')).toBe(true);
    expect(withSide.filter((a) => a === '-i')).toHaveLength(1);
    const hlsOut = withSide.indexOf('%v/index.m3u8');
    expect(withSide.slice(hlsOut + 1)).toEqual(['-map', '[side]', '-f', 'image2', '/work/job/tiles/t-%05d.jpg']);
  });
  it('gives a fixed rung its average and peak, and a capped-CRF rung its quality target under the same VBV ceiling', () => {
    expect([value('-b:v:0'), value('-maxrate:v:0'), value('-bufsize:v:0')]).toEqual(['3000000', '4500000', '6000000']);
    expect(args).not.toContain('-crf:v:0');
    const capped = hlsCommand({
      sourcePath: '/work/job/source',
      demuxer: 'mov',
      rungs: chooseLadder(source, { shortSides: [720, 360], mode: 'capped-crf' }),
      hasAudio: false,
      preset: 'veryfast',
      segmentSeconds: 6,
    });
    const of = (flag: string) => capped[capped.indexOf(flag) + 1];
    expect([of('-crf:v:0'), of('-maxrate:v:0'), of('-bufsize:v:0')]).toEqual(['23', '3000000', '3000000']);
    expect([of('-crf:v:1'), of('-maxrate:v:1')]).toEqual(['23', '730000']);
    expect(capped.some((a) => a.startsWith('-b:v'))).toBe(false);
    // Cheaper forced keyframes for capped CRF only; the fixed ladder keeps x264's defaults.
    expect(of('-x264-params')).toBe('keyint=60:min-keyint=60:scenecut=0:open-gop=0:ipratio=1.2');
  });
  it('makes closed 2-second GOPs without scene-cut keyframes', () => {
    expect(value('-x264-params')).toBe('keyint=60:min-keyint=60:scenecut=0:open-gop=0');
    expect(value('-force_key_frames')).toBe('expr:gte(t,n_forced*2)');
  });
  it('writes fMP4 VOD HLS with independent segments and one shared audio group', () => {
    expect(value('-hls_segment_type')).toBe('fmp4');
    expect(value('-hls_playlist_type')).toBe('vod');
    expect(value('-hls_flags')).toBe('independent_segments');
    expect(value('-hls_time')).toBe('6');
    expect(value('-var_stream_map')).toBe(
      'v:0,agroup:audio,name:720p v:1,agroup:audio,name:360p a:0,agroup:audio,name:audio',
    );
    expect(args.join(' ')).toContain('-c:a aac -profile:a aac_low -b:a 128000 -ar 48000 -ac 2');
  });
  it('writes EVENT playlists with segments and playlists renamed into place for a preview', () => {
    const preview = hlsCommand({
      sourcePath: '/s',
      demuxer: 'mov',
      rungs: [],
      hasAudio: true,
      preset: 'veryfast',
      segmentSeconds: 6,
      playlistType: 'event',
    });
    expect(preview[preview.indexOf('-hls_playlist_type') + 1]).toBe('event');
    expect(preview[preview.indexOf('-hls_flags') + 1]).toBe('independent_segments+temp_file');
  });
  it('encodes one chunk with input seeking, shifted timestamps, frag_discont and the chunk’s first segment number', () => {
    const input: HlsCommandInput = {
      sourcePath: '/s',
      demuxer: 'mov',
      rungs: [],
      hasAudio: false,
      preset: 'veryfast',
      segmentSeconds: 6,
      chunk: { startSeconds: 12, durationSeconds: 12, firstSegment: 2 },
    };
    const chunk = hlsCommand(input);
    const at = (flag: string) => chunk[chunk.indexOf(flag) + 1];
    expect(chunk.indexOf('-ss')).toBeLessThan(chunk.indexOf('-i'));
    expect([at('-ss'), at('-t'), at('-output_ts_offset'), at('-start_number')]).toEqual([
      '12.000',
      '12.000',
      '12.000',
      '2',
    ]);
    expect(at('-avoid_negative_ts')).toBe('disabled');
    expect(at('-hls_segment_options')).toBe('movflags=+frag_discont');
    // The last chunk runs to the end; the others stop on their frame count.
    expect(chunk).not.toContain('-frames:v');
    const counted = hlsCommand({ ...input, chunk: { ...input.chunk!, frames: 360 } });
    expect(counted[counted.indexOf('-frames:v') + 1]).toBe('360');
    expect(counted.indexOf('-frames:v')).toBeGreaterThan(counted.indexOf('-i'));
    expect(() =>
      hlsCommand({
        sourcePath: '/s',
        demuxer: 'mov',
        rungs: [],
        hasAudio: true,
        preset: 'veryfast',
        segmentSeconds: 6,
        chunk: { startSeconds: 0, durationSeconds: 6, firstSegment: 0 },
      }),
    ).toThrow(/never encoded in chunks/);
  });
  it('maps audio alone for audio-only sources', () => {
    const audioOnly = hlsCommand({
      sourcePath: '/s',
      demuxer: 'mp3',
      rungs: [],
      hasAudio: true,
      preset: 'veryfast',
      segmentSeconds: 6,
    });
    expect(audioOnly).not.toContain('-filter_complex');
    expect(audioOnly[audioOnly.indexOf('-var_stream_map') + 1]).toBe('a:0,agroup:audio,name:audio');
  });
  it('takes a poster no wider than 1280 px from the given time', () => {
    const poster = posterCommand('/s', 'mov', 1.5, '/out/poster.jpg');
    expect(poster.slice(poster.indexOf('-ss'), poster.indexOf('-ss') + 2)).toEqual(['-ss', '1.500']);
    expect(poster[poster.indexOf('-vf') + 1]).toBe("scale='min(1280,iw)':-2");
    expect(poster).not.toContain('-skip_frame');
    const keyframe = posterCommand('/s', 'mov', 1.5, '/out/poster.jpg', { keyframe: true });
    // A decoder option: before the input it applies to.
    expect(keyframe.indexOf('-skip_frame')).toBeLessThan(keyframe.indexOf('-i'));
    expect(keyframe[keyframe.indexOf('-skip_frame') + 1]).toBe('nokey');
  });
});

describe('remuxCommand', () => {
  const url = 'http://127.0.0.1:41234/0123456789abcdef0123456789abcdef';

  it('copies the chosen video and the first audio from the loopback source, decoding nothing', () => {
    const args = remuxCommand({ sourcePath: url, demuxer: 'mov', videoStream: 2, hasAudio: true, segmentSeconds: 6 });
    expect(args.slice(args.indexOf('-protocol_whitelist'), args.indexOf('-i') + 2)).toEqual([
      '-protocol_whitelist',
      'http,tcp',
      '-f',
      'mov',
      '-i',
      url,
    ]);
    expect(args.join(' ')).toContain('-map 0:2 -map 0:a:0 -c copy');
    expect(args).not.toContain('-filter_complex');
    expect(args).not.toContain('-c:v');
  });

  it('writes growing fMP4 EVENT playlists, renamed into place, the source and the audio in one group', () => {
    const args = remuxCommand({ sourcePath: url, demuxer: 'mov', hasAudio: true, segmentSeconds: 6 });
    const after = (flag: string) => args[args.indexOf(flag) + 1];
    expect(after('-hls_playlist_type')).toBe('event');
    expect(after('-hls_segment_type')).toBe('fmp4');
    expect(after('-hls_flags')).toBe('independent_segments+temp_file');
    expect(after('-hls_time')).toBe('6');
    expect(after('-var_stream_map')).toBe('v:0,agroup:audio,name:source a:0,agroup:audio,name:audio');
  });

  it('maps the video alone for a silent source', () => {
    const args = remuxCommand({ sourcePath: url, demuxer: 'mov', hasAudio: false, segmentSeconds: 6 });
    expect(args).not.toContain('0:a:0');
    expect(args[args.indexOf('-var_stream_map') + 1]).toBe('v:0,name:source');
  });
});

describe('media policy', () => {
  it('never allows demuxers that open other files or devices', () => {
    for (const name of ['hls', 'concat', 'image2', 'lavfi', 'tty', 'image2pipe', 'dash', 'rtsp', 'sdp']) {
      expect(demuxerWhitelist().split(',')).not.toContain(name);
      expect(() => pinnedDemuxer(name)).toThrow(expect.objectContaining({ code: 'not_media' }));
    }
    expect(ALLOWED_DEMUXERS).toContain('matroska,webm');
  });
  it('rules out long, huge, tiny and stream-less sources with stable codes', () => {
    const limits = { maxDurationSeconds: 60, maxPixels: 8192 * 8192, maxFrameRate: 240 };
    expect(() => checkSource({ ...source, durationSeconds: 61 }, limits)).toThrow(
      expect.objectContaining({ code: 'duration_too_long' }),
    );
    expect(() => checkSource({ ...source, video: { ...source.video!, width: 8194 } }, limits)).toThrow(
      expect.objectContaining({ code: 'resolution_too_large' }),
    );
    expect(() => checkSource({ ...source, video: { ...source.video!, frameRate: 1000 } }, limits)).toThrow(
      expect.objectContaining({ code: 'frame_rate_too_high' }),
    );
    expect(() => checkSource({ ...source, video: { ...source.video!, frameRate: 240 } }, limits)).not.toThrow();
    expect(() => checkSource({ ...source, video: null, audio: null }, limits)).toThrow(
      expect.objectContaining({ code: 'not_media' }),
    );
    expect(() => checkSource({ ...source, formatName: 'hls' }, limits)).toThrow(
      expect.objectContaining({ code: 'not_media' }),
    );
    expect(() => checkSource(source, limits)).not.toThrow();
  });
});
