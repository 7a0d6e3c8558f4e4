import { execFileSync } from 'node:child_process';
import { hlsCommand, type HlsCommandInput } from '../../src/domain/hls-command';

/**
 * The ladder's ffmpeg command run straight on a local MP4 into `dir` (video only, `ultrafast`),
 * as a chunk job runs it: `chunk` for one chunk, none for one whole run.
 */
export function encodeBare(
  input: Pick<HlsCommandInput, 'rungs' | 'segmentSeconds' | 'chunk' | 'sideOutput'> & { source: string; dir: string },
): void {
  const { source, dir, ...command } = input;
  execFileSync(
    'ffmpeg',
    hlsCommand({ sourcePath: source, demuxer: 'mov', hasAudio: false, preset: 'ultrafast', ...command }),
    { cwd: dir, stdio: 'ignore' },
  );
}
