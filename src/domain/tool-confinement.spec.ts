import { confinedCommand, guardInputs, toolFolders } from './tool-confinement';

const GUARDS = ['-codec_whitelist', 'h264,aac', '-max_pixels', '100'];

describe('tool confinement', () => {
  it('puts the decode guards before every input and caps how much of it is read, unless the command does', () => {
    expect(guardInputs(['-y', '-f', 'mp4', '-i', 'file:/in/a.mp4', 'out.mp4'], GUARDS, 14400)).toEqual([
      '-y',
      '-f',
      'mp4',
      ...GUARDS,
      '-t',
      '14400',
      '-i',
      'file:/in/a.mp4',
      'out.mp4',
    ]);
    // A chunk's own -t (before its -i) is kept: a second one would override it.
    const chunk = guardInputs(['-ss', '30', '-t', '6', '-i', 'file:/in/a', '-i', 'file:/in/b', 'o'], GUARDS, 99);
    expect(chunk).toEqual([
      '-ss',
      '30',
      '-t',
      '6',
      ...GUARDS,
      '-i',
      'file:/in/a',
      ...GUARDS,
      '-t',
      '99',
      '-i',
      'file:/in/b',
      'o',
    ]);
    // ffprobe has no -t.
    expect(guardInputs(['-i', 'file:/x'], GUARDS, null)).toEqual([...GUARDS, '-i', 'file:/x']);
  });

  it('finds the folders a command reads and writes, and whether it needs the network', () => {
    expect(
      toolFolders(
        [
          '-i',
          'file:/scratch/src/source',
          '-i',
          'file:/scratch/tiles/t-%05d.jpg',
          'file:/out/sprite-%d.jpg',
          'rel.m3u8',
        ],
        '/work/out',
      ),
    ).toEqual({ reads: ['/scratch/src', '/scratch/tiles'], writes: ['/work/out', '/out'], network: false });
    expect(toolFolders(['-i', 'http://127.0.0.1:4100/0123456789abcdef0123456789abcdef'], '/w').network).toBe(true);
    // A folder both read and written is mounted once, writable.
    expect(toolFolders(['-i', 'file:/w/in.mp4', 'file:/w/out.mp4'], '/w')).toEqual({
      reads: [],
      writes: ['/w'],
      network: false,
    });
  });

  it('runs the tool under prlimit and bubblewrap with no network, no environment and only its folders', () => {
    const { file, args } = confinedCommand('ffmpeg', ['-i', 'file:/in/a.mp4', 'file:/out/b.mp4'], '/work', {
      memoryBytes: 1024,
      bwrap: 'bwrap',
    });
    expect(file).toBe('prlimit');
    expect(args.slice(0, 3)).toEqual(['--as=1024', '--', 'bwrap']);
    const line = args.join(' ');
    expect(line).toContain('--unshare-all');
    expect(line).not.toContain('--share-net');
    expect(line).toContain('--clearenv');
    expect(line).toContain('--ro-bind /in /in');
    expect(line).toContain('--bind /out /out');
    expect(line).toContain('--bind /work /work');
    expect(line).not.toMatch(/--bind \/ |--ro-bind \/ /);
    expect(args.slice(args.indexOf('--chdir'))).toEqual([
      '--chdir',
      '/work',
      '--',
      'ffmpeg',
      '-i',
      'file:/in/a.mp4',
      'file:/out/b.mp4',
    ]);
    // ffprobe writes nothing: its input's folder and working folder are read-only, and / is never a folder.
    const probe = confinedCommand(
      'ffprobe',
      ['-i', 'file:/jobs/a/source'],
      '/jobs/a',
      { memoryBytes: 0, bwrap: 'bwrap' },
      true,
    );
    expect(probe.args.join(' ')).toContain('--ro-bind /jobs/a /jobs/a');
    expect(probe.args.join(' ')).not.toMatch(/--bind /);
    expect(() => confinedCommand('ffprobe', ['-i', 'file:/x'], '/', { memoryBytes: 0, bwrap: 'bwrap' }, true)).toThrow(
      /\//,
    );
    // Without a sandbox or a limit it is the tool itself.
    expect(confinedCommand('ffmpeg', ['-version'], '/', { memoryBytes: 0, bwrap: null })).toEqual({
      file: 'ffmpeg',
      args: ['-version'],
    });
  });
});
