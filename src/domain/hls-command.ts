import type { Rung } from './ladder';

export interface HlsCommandInput {
  /** Absolute path of the downloaded source, or the loopback URL serving it (source-server). */
  readonly sourcePath: string;
  /** The demuxer the probe found, pinned so ffmpeg cannot guess another. */
  readonly demuxer: string;
  /** The source's video stream (MediaInfo.video.streamIndex); unset: the first one. */
  readonly videoStream?: number;
  readonly rungs: readonly Rung[];
  readonly hasAudio: boolean;
  readonly preset: string;
  readonly segmentSeconds: number;
  /**
   * `event` for a rendition published while it is encoded: ffmpeg then writes each segment and
   * playlist to a temporary name and renames it, so a playlist read mid-encode only ever lists
   * complete segments. Default `vod`.
   */
  readonly playlistType?: 'vod' | 'event';
  /**
   * Encode only `[startSeconds, startSeconds + durationSeconds)` of the video, as one chunk of a
   * ladder stitched from independently encoded chunks (never with audio: docs/transcoding.md).
   */
  readonly chunk?: {
    readonly startSeconds: number;
    readonly durationSeconds: number;
    readonly firstSegment: number;
    /**
     * The chunk's frame count, for every chunk but the last: the output stops there. Without it a
     * source whose video starts a few ms after its audio (a file concatenated by stream copy) got
     * a frame at exactly the chunk's end, hence one more segment, named as the next chunk's first.
     */
    readonly frames?: number;
  };
  /**
   * One more output fed by the same decoded frames, split after the fps filter: `filter` makes its
   * frames, `args` are its output options and file. The storyboard's tiles come this way, so they
   * cost no decode of their own.
   */
  readonly sideOutput?: { readonly filter: string; readonly args: readonly string[] };
}

/** Keyframe interval: every rung gets a keyframe at the same instants, so rungs switch cleanly. */
export const KEYFRAME_SECONDS = 2;
export const AUDIO_BITRATE = 128_000;
export const AUDIO_RENDITION = 'audio';

/**
 * What capped CRF adds to x264's options. The keyframes every KEYFRAME_SECONDS are forced for
 * segment alignment, not chosen at scene cuts: on a still picture (slides, a screencast) they
 * are most of the bytes. `ipratio` 1.2 instead of x264's 1.4 spends less on each. Measured on
 * bench:ladder's 60 s sources, the 1080p rung alone at CRF 23: slides −5.3 % bytes (SSIM
 * −0.0002), talking head −1.8 % (SSIM −0.00003); CRF 24 instead cost the talking head 0.001 SSIM.
 * The fixed ladder keeps x264's defaults: it is today's baseline.
 */
export const CAPPED_CRF_X264 = 'ipratio=1.2';

/**
 * ffmpeg's stream specifier for the video the probe chose: by index, so a still picture muxed
 * before the real video (a cover in a Matroska file) is never encoded in its place.
 */
export function videoMap(videoStream: number | undefined): string {
  return videoStream === undefined ? '0:v:0' : `0:${videoStream}`;
}

// The one URL shape a job gives ffmpeg: its own loopback server for the one source.
const LOOPBACK_SOURCE = /^http:\/\/127\.0\.0\.1:\d{1,5}\/[0-9a-f]{32}$/;

/** Whether `source` is the loopback source server's URL (source-server), not a local path. */
export function isLoopbackSource(source: string): boolean {
  return LOOPBACK_SOURCE.test(source);
}

/**
 * ffmpeg's arguments that read only the source with one demuxer: a local file over the `file`
 * protocol, or the loopback source server over `http` (and the `tcp` under it), nothing else.
 */
export function safeInputArgs(source: string, demuxer: string): string[] {
  if (isLoopbackSource(source)) return ['-protocol_whitelist', 'http,tcp', '-f', demuxer, '-i', source];
  if (!source.startsWith('/')) throw new Error('the source must be an absolute path or the loopback source URL');
  return ['-protocol_whitelist', 'file', '-f', demuxer, '-i', `file:${source}`];
}

/**
 * One ffmpeg process: decode once, split, scale and encode every rung, and write an fMP4 HLS
 * rendition per rung into `<rung>/index.m3u8` (relative to the working directory).
 *
 * Audio is one shared rendition group (EXT-X-MEDIA) rather than muxed into each rung: it is
 * encoded once instead of once per rung, stored once, and players switch video rungs without
 * touching audio. hls.js, Safari and ExoPlayer all play alternate audio groups.
 */
export function hlsCommand(input: HlsCommandInput): string[] {
  const { rungs, hasAudio, chunk } = input;
  if (chunk && hasAudio) throw new Error('audio is never encoded in chunks');
  // Input seeking: accurate when transcoding, and the run's clock starts at 0 at the chunk's
  // start, so the forced keyframes below fall on the same instants as in one whole run.
  const slice = chunk ? ['-ss', chunk.startSeconds.toFixed(3), '-t', chunk.durationSeconds.toFixed(3)] : [];
  const args = [
    '-hide_banner',
    '-nostdin',
    '-y',
    '-loglevel',
    'error',
    ...slice,
    ...safeInputArgs(input.sourcePath, input.demuxer),
  ];
  const streamMap: string[] = [];
  const group = hasAudio ? `,agroup:${AUDIO_RENDITION}` : '';
  const side = rungs.length > 0 ? input.sideOutput : undefined;
  if (rungs.length > 0) {
    const frameRate = rungs[0]!.frameRate;
    const branches = rungs.length + (side ? 1 : 0);
    const labels = Array.from({ length: branches }, (_, i) => `[s${i}]`).join('');
    // fps before split: every rung gets the same frames, hence the same keyframe instants.
    const graph = [`[${videoMap(input.videoStream)}]fps=${frameRate},split=${branches}${labels}`];
    rungs.forEach((r, i) =>
      graph.push(`[s${i}]scale=${r.width}:${r.height}:flags=bicubic,setsar=1,format=yuv420p[v${i}]`),
    );
    if (side) graph.push(`[s${rungs.length}]${side.filter}[side]`);
    args.push('-filter_complex', graph.join(';'));
    rungs.forEach((_, i) => args.push('-map', `[v${i}]`));
    const gop = Math.max(1, Math.round(frameRate * KEYFRAME_SECONDS));
    args.push(
      '-c:v',
      'libx264',
      '-preset',
      input.preset,
      '-profile:v',
      'high',
      // Closed GOPs of exactly `gop` frames and no scene-cut keyframes: segment boundaries land on
      // the same frame in every rung.
      '-x264-params',
      `keyint=${gop}:min-keyint=${gop}:scenecut=0:open-gop=0${rungs.every((r) => r.crf !== undefined) ? `:${CAPPED_CRF_X264}` : ''}`,
      '-force_key_frames',
      `expr:gte(t,n_forced*${KEYFRAME_SECONDS})`,
    );
    rungs.forEach((r, i) =>
      args.push(
        // Capped CRF: a quality target under the VBV ceiling; fixed: an average with a looser peak.
        ...(r.crf === undefined ? [`-b:v:${i}`, String(r.videoBitrate)] : [`-crf:v:${i}`, String(r.crf)]),
        `-maxrate:v:${i}`,
        String(r.maxBitrate),
        `-bufsize:v:${i}`,
        String(r.bufferSize),
      ),
    );
    rungs.forEach((r, i) => streamMap.push(`v:${i}${group},name:${r.name}`));
  }
  if (hasAudio) {
    // AAC-LC, 48 kHz stereo: what every HLS client decodes.
    args.push(
      '-map',
      '0:a:0',
      '-c:a',
      'aac',
      '-profile:a',
      'aac_low',
      '-b:a',
      String(AUDIO_BITRATE),
      '-ar',
      '48000',
      '-ac',
      '2',
    );
    streamMap.push(`a:0${group},name:${AUDIO_RENDITION}`);
  }
  args.push(
    '-f',
    'hls',
    '-hls_time',
    String(input.segmentSeconds),
    '-hls_playlist_type',
    input.playlistType ?? 'vod',
    '-hls_segment_type',
    'fmp4',
    '-hls_flags',
    input.playlistType === 'event' ? 'independent_segments+temp_file' : 'independent_segments',
    '-hls_segment_filename',
    '%v/seg_%05d.m4s',
    ...(chunk
      ? [
          // Measured (docs/transcoding.md): timestamps shifted to the chunk's place and kept as they are,
          // and frag_discont so tfdt runs on from the offset with no edit list: every chunk's
          // init segment is then byte-identical and one EXT-X-MAP serves the stitched playlist.
          '-output_ts_offset',
          chunk.startSeconds.toFixed(3),
          ...(chunk.frames ? ['-frames:v', String(chunk.frames)] : []),
          '-avoid_negative_ts',
          'disabled',
          '-hls_segment_options',
          'movflags=+frag_discont',
          '-start_number',
          String(chunk.firstSegment),
        ]
      : []),
    '-var_stream_map',
    streamMap.join(' '),
    '-progress',
    'pipe:1',
    '-nostats',
    '%v/index.m3u8',
  );
  if (side) args.push('-map', '[side]', ...side.args);
  return args;
}

/** Where the poster is taken: at 10 %, and never past the last tenth of a second. */
export function posterSeconds(durationSeconds: number): number {
  return Math.min(durationSeconds * 0.1, Math.max(0, durationSeconds - 0.1));
}

/**
 * A poster frame: one JPEG, at most 1280 px wide, never upscaled. `keyframe`: the first keyframe at
 * or after `atSeconds`, decoding keyframes alone (a fraction of a second where the exact frame
 * decodes the whole GOP before it: 2 s of CPU at 1080p with 8 s GOPs); it writes nothing when no
 * keyframe follows, and the exact frame at `atSeconds` is taken instead.
 */
export function posterCommand(
  sourcePath: string,
  demuxer: string,
  atSeconds: number,
  outputPath: string,
  options: { videoStream?: number; keyframe?: boolean } = {},
): string[] {
  const { videoStream, keyframe = false } = options;
  return [
    '-hide_banner',
    '-nostdin',
    '-y',
    '-loglevel',
    'error',
    // The decoder decodes keyframes only; the seek's trim still drops those before the time.
    ...(keyframe ? ['-skip_frame', 'nokey'] : []),
    // Seeking before -i is fast and lands on the nearest earlier keyframe, then decodes to the time.
    '-ss',
    atSeconds.toFixed(3),
    ...safeInputArgs(sourcePath, demuxer),
    '-map',
    videoMap(videoStream),
    '-frames:v',
    '1',
    '-vf',
    "scale='min(1280,iw)':-2",
    '-q:v',
    '3',
    '-f',
    'image2',
    '-update',
    '1',
    outputPath,
  ];
}

/**
 * Decodes half a second from one second before the probed end into `outputPath` (raw samples):
 * a file cut off after its index (a fast-start MP4 whose upload stopped) probes whole but
 * yields nothing here, so it is refused before any preview is published.
 */
export function tailCheckCommand(
  sourcePath: string,
  demuxer: string,
  durationSeconds: number,
  hasVideo: boolean,
  outputPath: string,
  videoStream?: number,
): string[] {
  const at = Math.max(0, durationSeconds - 1);
  return [
    '-hide_banner',
    '-nostdin',
    '-y',
    '-loglevel',
    'error',
    '-ss',
    at.toFixed(3),
    ...safeInputArgs(sourcePath, demuxer),
    '-t',
    '0.5',
    // Video is decoded (and dropped) by mapping it to a tiny raw stream; audio is kept as PCM.
    ...(hasVideo
      ? ['-map', videoMap(videoStream), '-vf', 'scale=16:16', '-f', 'rawvideo', '-pix_fmt', 'gray']
      : ['-map', '0:a:0', '-f', 's16le', '-ac', '1']),
    outputPath,
  ];
}

/** The rendition a standard source is published as before the ladder: its own video, copied. */
export const SOURCE_RENDITION = 'source';

/**
 * A stream copy of a standard source (standard-source.ts) into fMP4 HLS, nothing decoded: its
 * video as the `source` rendition, cut at its own keyframes (the first at or after each
 * `segmentSeconds` boundary), and its AAC as the `audio` rendition, as growing EVENT playlists
 * written by renaming (temp_file), like the preview's.
 */
export function remuxCommand(input: {
  readonly sourcePath: string;
  readonly demuxer: string;
  readonly videoStream?: number;
  readonly hasAudio: boolean;
  readonly segmentSeconds: number;
}): string[] {
  const group = input.hasAudio ? `,agroup:${AUDIO_RENDITION}` : '';
  return [
    '-hide_banner',
    '-nostdin',
    '-y',
    '-loglevel',
    'error',
    ...safeInputArgs(input.sourcePath, input.demuxer),
    '-map',
    videoMap(input.videoStream),
    ...(input.hasAudio ? ['-map', '0:a:0'] : []),
    '-c',
    'copy',
    '-f',
    'hls',
    '-hls_time',
    String(input.segmentSeconds),
    '-hls_playlist_type',
    'event',
    '-hls_segment_type',
    'fmp4',
    '-hls_flags',
    'independent_segments+temp_file',
    '-hls_segment_filename',
    '%v/seg_%05d.m4s',
    '-var_stream_map',
    [`v:0${group},name:${SOURCE_RENDITION}`, ...(input.hasAudio ? [`a:0${group},name:${AUDIO_RENDITION}`] : [])].join(
      ' ',
    ),
    '-progress',
    'pipe:1',
    '-nostats',
    '%v/index.m3u8',
  ];
}
