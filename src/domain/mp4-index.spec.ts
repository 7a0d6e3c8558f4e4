import { parseMoov, readMoov } from './mp4-index';

const u32 = (n: number) => {
  const b = Buffer.alloc(4);
  b.writeUInt32BE(n);
  return b;
};
const i32 = (n: number) => {
  const b = Buffer.alloc(4);
  b.writeInt32BE(n);
  return b;
};
const box = (type: string, ...parts: Buffer[]) => {
  const body = Buffer.concat(parts);
  return Buffer.concat([u32(body.length + 8), Buffer.from(type, 'latin1'), body]);
};
const full = (type: string, version: number, ...parts: Buffer[]) =>
  box(type, Buffer.from([version, 0, 0, 0]), ...parts);
const table = (type: string, version: number, rows: number[][], write = u32) =>
  full(type, version, u32(rows.length), ...rows.flat().map((n, i) => (i % 2 === 1 ? write(n) : u32(n))));

interface TrackSpec {
  id: number;
  handler: string;
  timescale: number;
  stts: number[][];
  ctts?: number[][];
  stss?: number[];
  sizes: number[];
  elst?: number[][];
}

function trak(t: TrackSpec): Buffer {
  const tkhd = full('tkhd', 0, u32(0), u32(0), u32(t.id), Buffer.alloc(68));
  const mdhd = full('mdhd', 0, u32(0), u32(0), u32(t.timescale), u32(0), Buffer.alloc(4));
  const hdlr = full('hdlr', 0, u32(0), Buffer.from(t.handler, 'latin1'), Buffer.alloc(13));
  const stbl = box(
    'stbl',
    table('stts', 0, t.stts),
    ...(t.ctts ? [table('ctts', 1, t.ctts, i32)] : []),
    ...(t.stss ? [full('stss', 0, u32(t.stss.length), ...t.stss.map(u32))] : []),
    full('stsz', 0, u32(0), u32(t.sizes.length), ...t.sizes.map(u32)),
  );
  const edts = t.elst
    ? [
        box(
          'edts',
          full(
            'elst',
            0,
            u32(t.elst.length),
            ...t.elst.map(([d, m]) => Buffer.concat([u32(d!), i32(m!), u32(0x10000)])),
          ),
        ),
      ]
    : [];
  return box('trak', tkhd, ...edts, box('mdia', mdhd, hdlr, box('minf', stbl)));
}

const moov = (...tracks: TrackSpec[]) =>
  box('moov', full('mvhd', 0, u32(0), u32(0), u32(1000), u32(0), Buffer.alloc(80)), ...tracks.map(trak));

const video: TrackSpec = {
  id: 1,
  handler: 'vide',
  timescale: 15360,
  // Six frames at 30 fps, B-frames: the first shown 2 frames after its decode.
  stts: [[6, 512]],
  ctts: [
    [1, 1024],
    [1, 2560],
    [2, 0],
    [2, 1024],
  ],
  stss: [1, 4],
  sizes: [9000, 100, 200, 300, 8000, 400],
  elst: [[200, 1024]],
};
const audio: TrackSpec = { id: 2, handler: 'soun', timescale: 48000, stts: [[3, 1024]], sizes: [10, 11, 12] };

describe('parseMoov', () => {
  it('reads each track’s decode times, composition offsets, sizes, keyframes and edits', () => {
    const index = parseMoov(moov(video, audio));
    expect(index.movieTimescale).toBe(1000);
    const [v, a] = index.tracks;
    expect(v!.trackId).toBe(1);
    expect(v!.handler).toBe('vide');
    expect(v!.timescale).toBe(15360);
    expect([...v!.dts]).toEqual([0, 512, 1024, 1536, 2048, 2560]);
    expect([...v!.cto]).toEqual([1024, 2560, 0, 0, 1024, 1024]);
    expect([...v!.sizes]).toEqual(video.sizes);
    expect([...v!.sync]).toEqual([1, 0, 0, 1, 0, 0]);
    expect(v!.endDts).toBe(3072);
    expect(v!.edits).toEqual([{ segmentDuration: 200, mediaTime: 1024, rate: 1 }]);
    // No stss: every sample is a sync sample.
    expect(a!.handler).toBe('soun');
    expect([...a!.sync]).toEqual([1, 1, 1]);
    expect(a!.edits).toEqual([]);
  });

  it('refuses a table that claims more entries than its box holds', () => {
    const bad = moov({ ...video, stss: undefined });
    // The stts entry count, raised past what the box holds.
    const at = bad.indexOf(Buffer.from('stts', 'latin1')) + 8;
    bad.writeUInt32BE(1000, at);
    expect(() => parseMoov(bad)).toThrow(/more entries/);
  });

  it('refuses a fragmented file and a box that runs past its parent', () => {
    expect(() => parseMoov(box('moov', box('mvex')))).toThrow(/fragmented/);
    const cut = moov(video);
    cut.writeUInt32BE(cut.length + 10, 0);
    expect(() => parseMoov(cut)).toThrow(/malformed/);
  });
});

describe('readMoov', () => {
  it('finds the moov after the media data, reading box headers and the moov alone', async () => {
    const index = moov(video);
    const file = Buffer.concat([box('ftyp', Buffer.from('isom')), box('mdat', Buffer.alloc(100_000)), index]);
    const reads: Array<[number, number]> = [];
    const found = await readMoov(file.length, (start, end) => {
      reads.push([start, end]);
      return Promise.resolve(file.subarray(start, end));
    });
    expect(found.equals(index)).toBe(true);
    const read = reads.reduce((sum, [s, e]) => sum + e - s, 0);
    expect(read).toBeLessThan(index.length + 100);
  });

  it('says when there is no moov', async () => {
    const file = box('mdat', Buffer.alloc(10));
    await expect(readMoov(file.length, (s, e) => Promise.resolve(file.subarray(s, e)))).rejects.toThrow(/no moov/);
  });
});
