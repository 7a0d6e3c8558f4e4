import { execFile, spawn } from 'node:child_process';
import { mkdtemp, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { dirname, join } from 'node:path';
import { promisify } from 'node:util';
import { Inject, Injectable, Logger } from '@nestjs/common';
import { APP_CONFIG } from '../config/config.module';
import type { AppConfig } from '../config/config';
import { MediaError, type MediaInfo } from '../domain/media-info';
import { isLoopbackSource } from '../domain/hls-command';
import { decodeGuards, demuxerWhitelist } from '../domain/media-policy';
import { confinedCommand, guardInputs, TOOL_ENV, type Confinement } from '../domain/tool-confinement';
import { MediaToolFailure, MediaToolkit, type RunOptions } from '../ports/media-toolkit';

const run = promisify(execFile);
const STDERR_TAIL = 4096;
// ffprobe's JSON for one file: streams and format, never near this.
const MAX_PROBE_OUTPUT = 4 * 1024 * 1024;
// What a process past its address-space limit prints when an allocation fails. Not EAGAIN
// ("Resource temporarily unavailable"): a network read says it too, and that is no reason to fail.
const OUT_OF_MEMORY = /(?:Cannot|Could not) allocate memory|malloc of size \d+ failed|out of memory/i;
const MEMORY_SIGNALS = new Set(['SIGSEGV', 'SIGABRT', 'SIGBUS']);
// libavutil's words when -max_pixels refuses a picture.
const PIXEL_LIMIT = /exceeds specified max pixel count/;

interface ProbeStream {
  codec_type?: string;
  codec_name?: string;
  width?: number;
  height?: number;
  avg_frame_rate?: string;
  r_frame_rate?: string;
  nb_frames?: string;
  pix_fmt?: string;
  field_order?: string;
  profile?: string | number;
  channels?: number;
  sample_rate?: string;
  duration?: string;
  disposition?: { attached_pic?: number };
  index?: number;
  tags?: { rotate?: string; DURATION?: string };
  side_data_list?: Array<{ rotation?: number }>;
}

interface ProbeData {
  streams?: ProbeStream[];
  format?: { format_name?: string; duration?: string };
}

interface Exit {
  readonly code: number | null;
  readonly signal: NodeJS.Signals | null;
  readonly stdout: string;
  readonly stderr: string;
  /** The pixel limit refused a picture (seen anywhere in stderr, not only its tail). */
  readonly overPixelLimit: boolean;
}

interface SpawnOptions extends Omit<RunOptions, 'onProgress'> {
  readonly onStdout?: (chunk: string) => void;
  /** Keep stdout (up to MAX_PROBE_OUTPUT) for the caller. */
  readonly keepStdout?: boolean;
  /** It writes nothing (ffprobe): every folder, its working one included, is mounted read-only. */
  readonly readOnly?: boolean;
}

/**
 * ffmpeg and ffprobe as plain child processes: exact argument order, progress parsing, killing,
 * and confinement (tool-confinement.ts): no environment, an address-space limit, and bubblewrap
 * where it works. Every decode gets the allowed decoders and the pixel limit; every ffmpeg input
 * is read for at most the longest duration accepted, whatever its metadata says.
 */
@Injectable()
export class FfmpegMediaToolkit extends MediaToolkit {
  private readonly logger = new Logger(FfmpegMediaToolkit.name);
  private readonly ffmpegPath: string;
  private readonly ffprobePath: string;
  private confinement: Promise<Confinement> | null = null;

  constructor(@Inject(APP_CONFIG) private readonly config: AppConfig) {
    super();
    this.ffmpegPath = config.transcode.ffmpegPath;
    this.ffprobePath = config.transcode.ffprobePath;
  }

  async probe(path: string): Promise<MediaInfo> {
    // A local file over the file protocol, or the loopback source server over http (reading the
    // index and what it needs by ranges); only real media demuxers: a crafted upload (an HLS
    // playlist, an ffconcat script) is not recognised at all, so nothing it names is ever opened.
    const remote = isLoopbackSource(path);
    // ffprobe writes nothing; a folder of its own, so the sandbox shows it no one else's files.
    const cwd = remote ? await mkdtemp(join(tmpdir(), 'velvet-probe-')) : dirname(path);
    const args = [
      '-v',
      'error',
      '-print_format',
      'json',
      '-show_format',
      '-show_streams',
      '-protocol_whitelist',
      remote ? 'http,tcp' : 'file',
      '-format_whitelist',
      demuxerWhitelist(),
      ...decodeGuards(this.config.transcode),
      '-i',
      remote ? path : `file:${path}`,
    ];
    const exit = await this.spawn(this.ffprobePath, args, {
      cwd,
      readOnly: true,
      timeoutMs: this.config.transcode.probeTimeoutSeconds * 1000,
      keepStdout: true,
    }).finally(() => (remote ? rm(cwd, { recursive: true, force: true }) : undefined));
    let data: ProbeData | null = null;
    try {
      data = exit.code === 0 ? (JSON.parse(exit.stdout) as ProbeData) : null;
    } catch {
      // Not JSON: treated as unreadable below.
    }
    if (!data?.format?.format_name) {
      this.logger.debug(`ffprobe refused ${path}: ${exit.stderr.slice(-500) || 'no format'}`);
      throw new MediaError('not_media', 'The file is not a video or audio file Velvet can read.');
    }
    return toMediaInfo(data);
  }

  async run(args: readonly string[], options: RunOptions): Promise<void> {
    const guarded = guardInputs(args, decodeGuards(this.config.transcode), this.config.transcode.maxDurationSeconds);
    this.logger.debug(`ffmpeg ${guarded.join(' ')}`);
    let lastReport = 0;
    const exit = await this.spawn(this.ffmpegPath, guarded, {
      ...options,
      onStdout: (chunk) => {
        // `-progress pipe:1` writes key=value lines; out_time_us is the output position.
        const match = /out_time_us=(\d+)/g;
        let last: RegExpExecArray | null = null;
        for (let m = match.exec(chunk); m; m = match.exec(chunk)) last = m;
        const now = Date.now();
        if (last && options.onProgress && now - lastReport >= 1000) {
          lastReport = now;
          options.onProgress(Number(last[1]) / 1e6);
        }
      },
    });
    // The decoder drops a picture over -max_pixels and carries on: the file holds video Velvet
    // will not decode, and a ladder made without it would not be the upload.
    if (exit.code === 0 && exit.overPixelLimit)
      throw new MediaToolFailure('ffmpeg met a picture over the pixel limit', exit.stderr);
    if (exit.code === 0) return;
    if (exit.signal) throw new Error(`ffmpeg was killed by ${exit.signal}`);
    throw new MediaToolFailure(`ffmpeg exited with code ${exit.code}`, exit.stderr);
  }

  /**
   * Runs one confined process to its end. Past its budget it is killed and the media blamed
   * (`decode_too_slow`); out of memory under the limit, likewise (`decode_out_of_memory`): both
   * final, so a file that costs too much ends `failed` instead of being retried.
   */
  private async spawn(tool: string, args: readonly string[], options: SpawnOptions): Promise<Exit> {
    const confinement = await this.confined();
    const command = confinedCommand(tool, args, options.cwd, confinement, options.readOnly);
    const name = tool.split('/').pop()!;
    return new Promise<Exit>((resolve, reject) => {
      const child = spawn(command.file, command.args, {
        cwd: options.cwd,
        env: { ...TOOL_ENV },
        stdio: ['ignore', 'pipe', 'pipe'],
      });
      let stdout = '';
      let stderr = '';
      let overPixelLimit = false;
      let outOfMemory = false;
      let failure: Error | null = null;
      const kill = (reason: Error) => {
        failure ??= reason;
        child.kill('SIGKILL');
      };
      const timer = setTimeout(
        () =>
          kill(
            new MediaError(
              'decode_too_slow',
              `Decoding took longer than ${Math.round(options.timeoutMs / 1000)} s, the budget for a file of this duration.`,
            ),
          ),
        options.timeoutMs,
      );
      const onAbort = () =>
        kill(options.signal?.reason instanceof Error ? options.signal.reason : new Error(`${name} aborted`));
      if (options.signal?.aborted) onAbort();
      options.signal?.addEventListener('abort', onAbort, { once: true });

      child.stdout.setEncoding('utf8').on('data', (chunk: string) => {
        options.onStdout?.(chunk);
        if (options.keepStdout && stdout.length < MAX_PROBE_OUTPUT) stdout += chunk;
      });
      child.stderr.setEncoding('utf8').on('data', (chunk: string) => {
        overPixelLimit ||= PIXEL_LIMIT.test(chunk);
        outOfMemory ||= OUT_OF_MEMORY.test(chunk);
        stderr = (stderr + chunk).slice(-STDERR_TAIL);
      });
      child.on('error', (error) => kill(error));
      child.on('close', (code, signal) => {
        clearTimeout(timer);
        options.signal?.removeEventListener('abort', onAbort);
        if (failure) return reject(failure);
        // A decoder short of memory may drop frames and still exit 0: the output is not the upload.
        if (confinement.memoryBytes > 0 && (outOfMemory || MEMORY_SIGNALS.has(signal ?? ''))) {
          this.logger.warn(`${name} ran out of its ${confinement.memoryBytes} bytes: ${stderr.slice(-500)}`);
          return reject(
            new MediaError(
              'decode_out_of_memory',
              'Decoding the file needed more memory than a worker gives one file.',
            ),
          );
        }
        resolve({ code, signal, stdout, stderr, overPixelLimit });
      });
    });
  }

  /** The confinement this machine allows, decided once (the first run, or verify at boot). */
  private confined(): Promise<Confinement> {
    this.confinement ??= this.decideConfinement();
    return this.confinement;
  }

  private async decideConfinement(): Promise<Confinement> {
    const { memoryLimitBytes: memoryBytes, sandbox } = this.config.transcode;
    if (memoryBytes > 0) {
      // prlimit is util-linux's, on every Debian; without it the limit cannot be applied.
      await run('prlimit', ['--as=' + memoryBytes, '--', 'true'], { env: { ...TOOL_ENV } }).catch((error) => {
        throw new Error(
          `prlimit cannot apply FFMPEG_MEMORY_LIMIT_MB (${String(error)}); install util-linux or set it to 0`,
        );
      });
    }
    if (sandbox === 'off') return { memoryBytes, bwrap: null };
    // bubblewrap needs user namespaces, which some container platforms refuse: try it once.
    // In a folder of its own, as a real run is.
    const cwd = await mkdtemp(join(tmpdir(), 'velvet-sandbox-trial-'));
    const trial = confinedCommand(this.ffmpegPath, ['-hide_banner', '-version'], cwd, {
      memoryBytes: 0,
      bwrap: 'bwrap',
    });
    try {
      await run(trial.file, trial.args, { cwd, env: { ...TOOL_ENV } });
      this.logger.log('ffmpeg and ffprobe run in bubblewrap: no network, only their own folders');
      return { memoryBytes, bwrap: 'bwrap' };
    } catch (error) {
      const why = String((error as Error).message).split('\n')[0];
      if (sandbox === 'bwrap')
        throw new Error(`FFMPEG_SANDBOX=bwrap, but bubblewrap cannot run ffmpeg here: ${why}`, { cause: error });
      this.logger.warn(`ffmpeg runs without a sandbox: bubblewrap is missing or not allowed here (${why})`);
      return { memoryBytes, bwrap: null };
    } finally {
      await rm(cwd, { recursive: true, force: true });
    }
  }

  async verify(): Promise<string> {
    await this.confined();
    const problems: string[] = [];
    const version = async (bin: string) => {
      try {
        const { stdout } = await run(bin, ['-hide_banner', '-version']);
        const major = Number(/version n?(\d+)/.exec(stdout)?.[1]);
        if (!(major >= 5)) problems.push(`${bin} is version ${major || 'unknown'}; 5 or newer is needed`);
        return stdout.split('\n')[0] ?? '';
      } catch {
        problems.push(`${bin} cannot be run (set FFMPEG_PATH/FFPROBE_PATH or install ffmpeg)`);
        return '';
      }
    };
    const [ffmpegVersion] = await Promise.all([version(this.ffmpegPath), version(this.ffprobePath)]);
    if (problems.length === 0) {
      const { stdout } = await run(this.ffmpegPath, ['-hide_banner', '-encoders']);
      for (const encoder of ['libx264', 'aac']) {
        if (!new RegExp(`^\\s*\\S+\\s+${encoder}\\s`, 'm').test(stdout))
          problems.push(`ffmpeg lacks the ${encoder} encoder`);
      }
    }
    if (problems.length > 0) throw new Error(`ffmpeg is not usable: ${problems.join('; ')}`);
    return ffmpegVersion;
  }
}

function toMediaInfo(data: ProbeData): MediaInfo {
  // Cover art in audio files is an "attached picture" video stream, not video.
  const streams = data.streams ?? [];
  const video = mainVideo(streams);
  const audio = streams.find((s) => s.codec_type === 'audio');
  const durations = [data.format?.duration, ...streams.map((s) => s.duration)].map(Number).filter((d) => d > 0);
  const durationSeconds = Number(data.format?.duration) > 0 ? Number(data.format?.duration) : Math.max(0, ...durations);
  return {
    formatName: data.format?.format_name ?? '',
    durationSeconds,
    video: video && video.width && video.height ? videoInfo(video, durationSeconds) : null,
    audio: audio
      ? {
          codec: audio.codec_name ?? 'unknown',
          channels: audio.channels ?? 0,
          sampleRate: Number(audio.sample_rate) || 0,
        }
      : null,
  };
}

/**
 * The video: of the streams that are not a picture (cover art is an "attached picture"), the one
 * that lasts longest, the first of equals. A still muxed as a video stream of its own (a cover in
 * a Matroska file) lasts one frame, so it is never taken for the video however it is ordered.
 */
function mainVideo(streams: readonly ProbeStream[]): ProbeStream | undefined {
  let best: ProbeStream | undefined;
  for (const stream of streams) {
    if (stream.codec_type !== 'video' || stream.disposition?.attached_pic) continue;
    if (!best || streamSeconds(stream) > streamSeconds(best)) best = stream;
  }
  return best;
}

/** A stream's own duration: ffprobe's, or Matroska's DURATION tag (`HH:MM:SS.nnnnnnnnn`); unknown: Infinity. */
function streamSeconds(stream: ProbeStream): number {
  if (Number(stream.duration) > 0) return Number(stream.duration);
  const tag = /^(\d+):(\d{2}):(\d{2}(?:\.\d+)?)$/.exec(stream.tags?.DURATION ?? '');
  return tag ? Number(tag[1]) * 3600 + Number(tag[2]) * 60 + Number(tag[3]) : Infinity;
}

function videoInfo(stream: ProbeStream, durationSeconds: number): NonNullable<MediaInfo['video']> {
  const rotation = Math.abs(Number(stream.tags?.rotate ?? rotationFromSideData(stream)) || 0) % 180;
  const [w, h] = rotation === 90 ? [stream.height!, stream.width!] : [stream.width!, stream.height!];
  return {
    streamIndex: stream.index,
    codec: stream.codec_name ?? 'unknown',
    width: w,
    height: h,
    // The rate the timestamps give, or the frames counted over the duration when that is higher:
    // a source cannot claim a low rate in its header and hand the decoder a thousand frames a second.
    frameRate: Math.max(
      rate(stream.avg_frame_rate) || rate(stream.r_frame_rate),
      durationSeconds > 0 ? Number(stream.nb_frames ?? 0) / durationSeconds : 0,
    ),
    pixelFormat: stream.pix_fmt ?? null,
    fieldOrder: stream.field_order ?? null,
    profile: stream.profile === undefined ? null : String(stream.profile),
  };
}

function rotationFromSideData(stream: ProbeStream): number {
  const list = stream.side_data_list ?? [];
  return list.find((d) => typeof d.rotation === 'number')?.rotation ?? 0;
}

function rate(fraction: string | undefined): number {
  const [n, d] = (fraction ?? '').split('/').map(Number);
  return n && d ? n / d : 0;
}
