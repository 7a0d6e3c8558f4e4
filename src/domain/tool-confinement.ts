import { dirname, isAbsolute, resolve } from 'node:path';

/**
 * How an ffmpeg or ffprobe process is held in. A decoder is the code an upload controls most
 * directly, so a process gets no environment (no secret to read), an address-space limit (a small
 * file cannot take the worker's memory) and, where the machine has bubblewrap, a sandbox with no
 * network and no file but the folders its own command names.
 */
export interface Confinement {
  /** prlimit --as, in bytes; 0 for none. */
  readonly memoryBytes: number;
  /** The bubblewrap binary, or null to run without a sandbox. */
  readonly bwrap: string | null;
}

/** The environment a tool runs with: a PATH to find itself and its libraries, nothing else. */
export const TOOL_ENV: Readonly<Record<string, string>> = { PATH: '/usr/local/bin:/usr/bin:/bin' };

export interface ToolFolders {
  /** Folders holding the inputs: mounted read-only. */
  readonly reads: string[];
  /** The working folder and every folder an output is written into: mounted read-write. */
  readonly writes: string[];
  /** An input is the loopback source server (chunk jobs): the process keeps the host's network. */
  readonly network: boolean;
}

const pathOf = (arg: string): string | null => {
  const path = arg.startsWith('file:') ? arg.slice('file:'.length) : arg;
  return isAbsolute(path) ? resolve(path) : null;
};

/**
 * What a command reads and writes, from its own arguments: `-i` values are inputs, other absolute
 * paths outputs. A read-only run (ffprobe) writes nothing, its working folder included.
 */
export function toolFolders(args: readonly string[], cwd: string, readOnly = false): ToolFolders {
  const reads = new Set<string>(readOnly ? [resolve(cwd)] : []);
  const writes = new Set<string>(readOnly ? [] : [resolve(cwd)]);
  let network = false;
  args.forEach((arg, k) => {
    const path = pathOf(arg);
    if (args[k - 1] === '-i') {
      if (/^https?:/.test(arg)) network = true;
      else if (path) reads.add(dirname(path));
    } else if (path) (readOnly ? reads : writes).add(dirname(path));
  });
  // A folder both read and written is mounted once, writable.
  return { reads: [...reads].filter((r) => !writes.has(r)), writes: [...writes], network };
}

/**
 * Input options added before every `-i` of a command: the decode guards, and (ffmpeg, not ffprobe)
 * a cap on how much of the input is read (`-t`), whatever its metadata claims, unless the command
 * limits it already.
 */
export function guardInputs(args: readonly string[], guards: readonly string[], maxSeconds: number | null): string[] {
  const out: string[] = [];
  let groupStart = 0;
  args.forEach((arg, k) => {
    if (arg === '-i') {
      const group = args.slice(groupStart, k);
      const capped = maxSeconds === null || group.includes('-t') || group.includes('-to');
      out.push(...guards, ...(capped ? [] : ['-t', String(maxSeconds)]));
      groupStart = k + 2;
    }
    out.push(arg);
  });
  return out;
}

/** The command line that runs `tool args` confined: prlimit, then bubblewrap, then the tool. */
export function confinedCommand(
  tool: string,
  args: readonly string[],
  cwd: string,
  confinement: Confinement,
  readOnly = false,
): { file: string; args: string[] } {
  let command = [tool, ...args];
  if (confinement.bwrap)
    command = [confinement.bwrap, ...bwrapArgs(tool, toolFolders(args, cwd, readOnly), cwd), ...command];
  if (confinement.memoryBytes > 0) command = ['prlimit', `--as=${confinement.memoryBytes}`, '--', ...command];
  return { file: command[0]!, args: command.slice(1) };
}

function bwrapArgs(tool: string, folders: ToolFolders, cwd: string): string[] {
  const args = ['--die-with-parent', '--new-session', '--unshare-all'];
  if (folders.network) args.push('--share-net');
  args.push('--clearenv', '--setenv', 'PATH', TOOL_ENV.PATH!);
  // The system, read-only: binaries and libraries (Debian points some through /etc/alternatives).
  args.push('--ro-bind', '/usr', '/usr', '--symlink', 'usr/bin', '/bin', '--symlink', 'usr/lib', '/lib');
  args.push('--symlink', 'usr/lib64', '/lib64', '--symlink', 'usr/sbin', '/sbin');
  args.push('--ro-bind-try', '/etc/alternatives', '/etc/alternatives');
  args.push('--ro-bind-try', '/etc/ld.so.cache', '/etc/ld.so.cache');
  args.push('--proc', '/proc', '--dev', '/dev', '--tmpfs', '/tmp');
  // After /tmp's tmpfs, which would hide them; shorter paths first, so a folder inside another is
  // mounted over it and keeps its own mode.
  const toolDir = isAbsolute(tool) && !tool.startsWith('/usr/') ? [dirname(tool)] : [];
  const mounts = [
    ...[...toolDir, ...folders.reads].map((path) => ({ path, flag: '--ro-bind' })),
    ...folders.writes.map((path) => ({ path, flag: '--bind' })),
  ].sort((a, b) => a.path.length - b.path.length);
  for (const { path, flag } of mounts) {
    // The whole filesystem is never a command's folder: that would be no sandbox at all.
    if (path === '/') throw new Error('a confined tool cannot be given / as a folder');
    args.push(flag, path, path);
  }
  args.push('--chdir', resolve(cwd), '--');
  return args;
}
