import { execFile, spawn } from 'node:child_process';
import { promisify } from 'node:util';
import { Inject, Injectable, Logger } from '@nestjs/common';
import ffmpeg, { type FfprobeData, type FfprobeStream } from 'fluent-ffmpeg';
import { APP_CONFIG } from '../config/config.module';
import type { AppConfig } from '../config/config';
import { MediaError, type MediaInfo } from '../domain/media-info';
import { demuxerWhitelist } from '../domain/media-policy';
import { MediaToolFailure, MediaToolkit, type RunOptions } from '../ports/media-toolkit';

const run = promisify(execFile);
const STDERR_TAIL = 4096;

/**
 * ffprobe through fluent-ffmpeg (archived upstream in May 2025: this file is the only user, so a
 * switch is a one-file change); ffmpeg runs are plain child processes, for exact argument order,
 * progress parsing and killing.
 */
@Injectable()
export class FluentFfmpegMediaToolkit extends MediaToolkit {
  private readonly logger = new Logger(FluentFfmpegMediaToolkit.name);
  private readonly ffmpegPath: string;
  private readonly ffprobePath: string;

  constructor(@Inject(APP_CONFIG) config: AppConfig) {
    super();
    this.ffmpegPath = config.transcode.ffmpegPath;
    this.ffprobePath = config.transcode.ffprobePath;
  }

  probe(path: string): Promise<MediaInfo> {
    // Only the file protocol and only real media demuxers: a crafted upload (an HLS playlist, an
    // ffconcat script) is not recognised at all, so nothing it names is ever opened.
    const options = ['-protocol_whitelist', 'file', '-format_whitelist', demuxerWhitelist()];
    return new Promise((resolve, reject) => {
      ffmpeg(`file:${path}`)
        .setFfprobePath(this.ffprobePath)
        .ffprobe(options, (error: Error | null, data: FfprobeData) => {
          if ((error as NodeJS.ErrnoException | null)?.code === 'ENOENT') return reject(error);
          if (error || !data?.format?.format_name) {
            this.logger.debug(`ffprobe refused ${path}: ${String(error?.message ?? 'no format').slice(-500)}`);
            return reject(new MediaError('not_media', 'The file is not a video or audio file Velvet can read.'));
          }
          resolve(toMediaInfo(data));
        });
    });
  }

  run(args: readonly string[], options: RunOptions): Promise<void> {
    this.logger.debug(`ffmpeg ${args.join(' ')}`);
    return new Promise((resolve, reject) => {
      const child = spawn(this.ffmpegPath, args, { cwd: options.cwd, stdio: ['ignore', 'pipe', 'pipe'] });
      let stderr = '';
      let lastReport = 0;
      let failure: Error | null = null;
      const kill = (reason: Error) => {
        failure ??= reason;
        child.kill('SIGKILL');
      };
      const timer = setTimeout(
        () => kill(new Error(`ffmpeg ran over its ${options.timeoutMs} ms limit`)),
        options.timeoutMs,
      );
      const onAbort = () =>
        kill(options.signal?.reason instanceof Error ? options.signal.reason : new Error('ffmpeg aborted'));
      if (options.signal?.aborted) onAbort();
      options.signal?.addEventListener('abort', onAbort, { once: true });

      child.stdout.setEncoding('utf8').on('data', (chunk: string) => {
        // `-progress pipe:1` writes key=value lines; out_time_us is the output position.
        const match = /out_time_us=(\d+)/g;
        let last: RegExpExecArray | null = null;
        for (let m = match.exec(chunk); m; m = match.exec(chunk)) last = m;
        const now = Date.now();
        if (last && options.onProgress && now - lastReport >= 1000) {
          lastReport = now;
          options.onProgress(Number(last[1]) / 1e6);
        }
      });
      child.stderr.setEncoding('utf8').on('data', (chunk: string) => {
        stderr = (stderr + chunk).slice(-STDERR_TAIL);
      });
      child.on('error', (error) => kill(error));
      child.on('close', (code, signal) => {
        clearTimeout(timer);
        options.signal?.removeEventListener('abort', onAbort);
        if (failure) return reject(failure);
        if (code === 0) return resolve();
        if (signal) return reject(new Error(`ffmpeg was killed by ${signal}`));
        reject(new MediaToolFailure(`ffmpeg exited with code ${code}`, stderr));
      });
    });
  }

  async verify(): Promise<string> {
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

function toMediaInfo(data: FfprobeData): MediaInfo {
  // Cover art in audio files is an "attached picture" video stream, not video.
  const video = data.streams.find((s) => s.codec_type === 'video' && !s.disposition?.attached_pic);
  const audio = data.streams.find((s) => s.codec_type === 'audio');
  const durations = [data.format.duration, ...data.streams.map((s) => s.duration)].map(Number).filter((d) => d > 0);
  return {
    formatName: data.format.format_name ?? '',
    durationSeconds: Number(data.format.duration) > 0 ? Number(data.format.duration) : Math.max(0, ...durations),
    video: video && video.width && video.height ? videoInfo(video) : null,
    audio: audio
      ? {
          codec: audio.codec_name ?? 'unknown',
          channels: audio.channels ?? 0,
          sampleRate: Number(audio.sample_rate) || 0,
        }
      : null,
  };
}

function videoInfo(stream: FfprobeStream): NonNullable<MediaInfo['video']> {
  const rotation = Math.abs(Number(stream.tags?.rotate ?? rotationFromSideData(stream)) || 0) % 180;
  const [w, h] = rotation === 90 ? [stream.height!, stream.width!] : [stream.width!, stream.height!];
  return {
    codec: stream.codec_name ?? 'unknown',
    width: w,
    height: h,
    frameRate: rate(stream.avg_frame_rate) || rate(stream.r_frame_rate),
    pixelFormat: stream.pix_fmt ?? null,
    profile: stream.profile === undefined ? null : String(stream.profile),
  };
}

function rotationFromSideData(stream: FfprobeStream): number {
  const list = (stream as { side_data_list?: Array<{ rotation?: number }> }).side_data_list ?? [];
  return list.find((d) => typeof d.rotation === 'number')?.rotation ?? 0;
}

function rate(fraction: string | undefined): number {
  const [n, d] = (fraction ?? '').split('/').map(Number);
  return n && d ? n / d : 0;
}
