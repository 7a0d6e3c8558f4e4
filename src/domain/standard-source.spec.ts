import type { MediaInfo } from './media-info';
import type { Mp4Index, Mp4Track } from './mp4-index';
import {
  copiedBitrates,
  copiedSegments,
  copiedTargetDuration,
  keyframeTimes,
  longestKeyframeGap,
  nonStandardReasons,
  STANDARD_LIMITS,
} from './standard-source';

/** A track of `count` samples, `fps` a second, a keyframe every `gop` (in decode order, no B-frames). */
function videoTrack(count: number, fps: number, gop: number, bytesPerSample = 50_000): Mp4Track {
  const timescale = fps * 512;
  return {
    trackId: 1,
    handler: 'vide',
    timescale,
    edits: [],
    dts: Float64Array.from({ length: count }, (_, i) => i * 512),
    cto: new Float64Array(count),
    sizes: new Uint32Array(count).fill(bytesPerSample),
    sync: Uint8Array.from({ length: count }, (_, i) => (i % gop === 0 ? 1 : 0)),
    endDts: count * 512,
  };
}

function audioTrack(seconds: number): Mp4Track {
  const count = Math.ceil((seconds * 48000) / 1024);
  return {
    trackId: 2,
    handler: 'soun',
    timescale: 48000,
    edits: [{ segmentDuration: seconds * 1000, mediaTime: 1024, rate: 1 }],
    dts: Float64Array.from({ length: count }, (_, i) => i * 1024),
    cto: new Float64Array(count),
    sizes: new Uint32Array(count).fill(400),
    sync: new Uint8Array(count).fill(1),
    endDts: count * 1024,
  };
}

const info = (over: Partial<NonNullable<MediaInfo['video']>> = {}, audio: MediaInfo['audio'] = null): MediaInfo => ({
  formatName: 'mov,mp4,m4a,3gp,3g2,mj2',
  durationSeconds: 60,
  video: {
    codec: 'h264',
    width: 1920,
    height: 1080,
    frameRate: 30,
    pixelFormat: 'yuv420p',
    profile: 'High',
    fieldOrder: 'progressive',
    ...over,
  },
  audio,
});
const AAC = { codec: 'aac', channels: 2, sampleRate: 48000 };
// 60 s at 30 fps with a keyframe every 2 s and 50 kB frames: 12 Mbit/s of video.
const index = (video = videoTrack(1800, 30, 60, 40_000), audio: Mp4Track | null = audioTrack(60)): Mp4Index => ({
  movieTimescale: 1000,
  tracks: audio ? [video, audio] : [video],
});

describe('nonStandardReasons', () => {
  it('finds none for progressive 8-bit H.264 with AAC, 2 s keyframes, 1080p, under the bitrate', () => {
    expect(nonStandardReasons(info({}, AAC), index(), STANDARD_LIMITS)).toEqual([]);
  });

  it('names every reason at once', () => {
    const reasons = nonStandardReasons(
      info(
        { codec: 'hevc', pixelFormat: 'yuv420p10le', fieldOrder: 'tt', width: 3840, height: 2160 },
        {
          ...AAC,
          codec: 'opus',
        },
      ),
      index(videoTrack(1800, 30, 360, 40_000)),
      STANDARD_LIMITS,
    );
    expect(reasons.sort()).toEqual(
      ['audio_codec', 'interlaced', 'keyframe_interval', 'pixel_format', 'resolution', 'video_codec'].sort(),
    );
  });

  it('allows a keyframe interval of exactly the limit and refuses one frame more', () => {
    expect(nonStandardReasons(info({}, AAC), index(videoTrack(1800, 30, 300, 10_000)), STANDARD_LIMITS)).toEqual([]);
    expect(nonStandardReasons(info({}, AAC), index(videoTrack(1800, 30, 301, 10_000)), STANDARD_LIMITS)).toEqual([
      'keyframe_interval',
    ]);
  });

  it('counts the stretch after the last keyframe', () => {
    // Keyframes every 6 s up to 48 s of a 60 s video: 12 s without one at the end.
    expect(longestKeyframeGap([0, 6, 12, 18, 24, 30, 36, 42, 48], 60)).toBe(12);
    expect(longestKeyframeGap([1], 60)).toBe(Infinity);
  });

  it('refuses a bitrate over the limit, video and audio together', () => {
    // 60 kB frames at 30 fps: 14.4 Mbit/s.
    expect(nonStandardReasons(info({}, AAC), index(videoTrack(1800, 30, 60, 60_000)), STANDARD_LIMITS)).toEqual([
      'bitrate',
    ]);
    expect(
      nonStandardReasons(info({}, AAC), index(videoTrack(1800, 30, 60, 60_000)), {
        ...STANDARD_LIMITS,
        maxBitrate: 20e6,
      }),
    ).toEqual([]);
  });

  it('refuses over 60 frames a second', () => {
    expect(nonStandardReasons(info({ frameRate: 60 }, AAC), index(), STANDARD_LIMITS)).toEqual([]);
    expect(nonStandardReasons(info({ frameRate: 120 }, AAC), index(), STANDARD_LIMITS)).toEqual(['frame_rate']);
  });

  it('takes a portrait 1080×1920 video by its short side', () => {
    expect(nonStandardReasons(info({ width: 1080, height: 1920 }), index(undefined, null), STANDARD_LIMITS)).toEqual(
      [],
    );
  });

  it('takes a muxer’s short delay and a trim, and refuses a longer delay and several edits', () => {
    // ffmpeg's concat by stream copy: the video 21 ms after the audio's priming.
    const concat = {
      ...videoTrack(1800, 30, 60, 40_000),
      edits: [
        { segmentDuration: 21, mediaTime: -1, rate: 1 },
        { segmentDuration: 60_000, mediaTime: 0, rate: 1 },
      ],
    };
    expect(nonStandardReasons(info({}, AAC), index(concat), STANDARD_LIMITS)).toEqual([]);
    const twoTrims = { ...audioTrack(60), edits: [...audioTrack(60).edits, ...audioTrack(60).edits] };
    expect(nonStandardReasons(info({}, AAC), index(undefined, twoTrims), STANDARD_LIMITS)).toEqual(['edit_list']);
    const delayed = {
      ...audioTrack(60),
      edits: [{ segmentDuration: 500, mediaTime: -1, rate: 1 }, ...audioTrack(60).edits],
    };
    expect(nonStandardReasons(info({}, AAC), index(undefined, delayed), STANDARD_LIMITS)).toEqual(['edit_list']);
  });

  it('needs an MP4/MOV index, one video track and at most one audio track', () => {
    expect(nonStandardReasons({ ...info(), formatName: 'matroska,webm' }, null, STANDARD_LIMITS)).toEqual([
      'container',
    ]);
    const twoAudio: Mp4Index = {
      movieTimescale: 1000,
      tracks: [videoTrack(1800, 30, 60), audioTrack(60), audioTrack(60)],
    };
    expect(nonStandardReasons(info({}, AAC), twoAudio, STANDARD_LIMITS)).toEqual(['tracks']);
    expect(nonStandardReasons({ ...info(), video: null, audio: AAC }, null, STANDARD_LIMITS)).toEqual(['no_video']);
  });
});

describe('keyframeTimes', () => {
  it('gives presentation times from the first frame shown, B-frame offsets applied', () => {
    const track = videoTrack(6, 30, 3);
    // Decode order I P B B …: the I frame is shown 2 frames after its decode time.
    track.cto.set([1024, 2048, 0, 0, 1024, 1024]);
    expect(keyframeTimes(track)).toEqual([0, (1536 + 0 - 1024) / 15360]);
  });
});

describe('copiedSegments', () => {
  it('cuts at the first keyframe at or after each boundary, one cut per keyframe, as ffmpeg 5.1 does', () => {
    // Measured: ffmpeg -c copy -f hls -hls_time 6 on keyframes at 0, 5, 13, 14, 20 and 26 s of a
    // 30 s clip wrote segments of 13, 1, 6, 6 and 4 s.
    const track = videoTrack(900, 30, 900, 1000);
    for (const second of [5, 13, 14, 20, 26]) track.sync[second * 30] = 1;
    const segments = copiedSegments(track, 30, 6);
    expect(segments.map((s) => s.durationSeconds)).toEqual([13, 1, 6, 6, 4]);
    expect(segments.map((s) => s.startSeconds)).toEqual([0, 13, 14, 20, 26]);
    expect(segments.map((s) => s.bytes)).toEqual([390_000, 30_000, 180_000, 180_000, 120_000]);
    expect(segments.map((s) => s.samples)).toEqual([390, 30, 180, 180, 120]);
    expect(copiedTargetDuration(segments, 6)).toBe(13);
    // The peak is the 1 s segment after the 13 s one: 30 kB of frames in a second.
    expect(copiedBitrates(segments).peak).toBe((30_000 + 30 * 16 + 1024) * 8);
  });

  it('ends the last segment at the video’s end', () => {
    const segments = copiedSegments(videoTrack(300, 30, 60), 10, 6);
    expect(segments.map((s) => s.durationSeconds)).toEqual([6, 4]);
  });
});
