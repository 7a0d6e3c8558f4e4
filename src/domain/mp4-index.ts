import { boxes, type Box } from './mp4-fragments';

/**
 * A progressive MP4/MOV's sample index, read from its `moov` box (ISO/IEC 14496-12 §8.6–8.7):
 * for each track, every sample's decode time, composition offset, size and whether it is a sync
 * sample (a keyframe). What a stream copy of the file will produce (where its segments can be
 * cut, how many bytes each holds) is known from this alone, before a byte of media is read.
 */
export interface Mp4Edit {
  /** In the movie's timescale (mvhd). */
  readonly segmentDuration: number;
  /** In the track's timescale; −1 is an empty edit (a delay before the track starts). */
  readonly mediaTime: number;
  readonly rate: number;
}

export interface Mp4Track {
  readonly trackId: number;
  /** `vide`, `soun`, … (hdlr). */
  readonly handler: string;
  readonly timescale: number;
  readonly edits: readonly Mp4Edit[];
  /** Per sample, in decode order: decode time (track timescale). */
  readonly dts: Float64Array;
  /** Per sample: composition offset (ctts; 0 without one). */
  readonly cto: Float64Array;
  readonly sizes: Uint32Array;
  /** Per sample: 1 for a sync sample (every sample when there is no stss). */
  readonly sync: Uint8Array;
  /** Decode time after the last sample. */
  readonly endDts: number;
}

export interface Mp4Index {
  readonly movieTimescale: number;
  readonly tracks: readonly Mp4Track[];
}

// A moov is a few MB for an hour of video (a few bytes per sample); anything past this is not one.
const MAX_MOOV_BYTES = 64 * 1024 * 1024;
// A track with more samples is refused rather than indexed (an hour at 240 fps is 864,000).
const MAX_SAMPLES = 4_000_000;

const childOf = (buf: Buffer, parent: Box, type: string): Box | undefined =>
  [...boxes(buf, parent.body, parent.end)].find((b) => b.type === type);

function need(box: Box | undefined, what: string): Box {
  if (!box) throw new Error(`the index has no ${what} box`);
  return box;
}

/** A full box's entry count (after version/flags), checked against the box's length. */
function entries(buf: Buffer, box: Box, offset: number, entrySize: number): number {
  const count = buf.readUInt32BE(box.body + offset);
  if (count > MAX_SAMPLES || box.body + offset + 4 + count * entrySize > box.end)
    throw new Error(`the ${box.type} box lists more entries than it holds`);
  return count;
}

/** Reads the top-level boxes by ranges and returns the `moov` box's bytes (its header included). */
export async function readMoov(size: number, read: (start: number, end: number) => Promise<Buffer>): Promise<Buffer> {
  for (let at = 0; at + 8 <= size;) {
    const header = await read(at, Math.min(size, at + 16));
    let boxSize = header.readUInt32BE(0);
    if (boxSize === 1) boxSize = Number(header.readBigUInt64BE(8));
    else if (boxSize === 0) boxSize = size - at;
    if (boxSize < 8 || at + boxSize > size) throw new Error(`malformed top-level box at ${at}`);
    if (header.toString('latin1', 4, 8) === 'moov') {
      if (boxSize > MAX_MOOV_BYTES) throw new Error(`the moov box is ${boxSize} bytes`);
      return read(at, at + boxSize);
    }
    at += boxSize;
  }
  throw new Error('the file has no moov box');
}

/** Parses a `moov` box (as readMoov returns it). Throws on anything malformed or fragmented. */
export function parseMoov(moov: Buffer): Mp4Index {
  const [root] = [...boxes(moov, 0, moov.length)];
  if (root?.type !== 'moov') throw new Error('not a moov box');
  if (childOf(moov, root, 'mvex')) throw new Error('a fragmented file keeps its samples outside the index');
  const mvhd = need(childOf(moov, root, 'mvhd'), 'mvhd');
  const movieTimescale = moov.readUInt32BE(mvhd.body + (moov[mvhd.body] === 1 ? 20 : 12));
  const tracks = [...boxes(moov, root.body, root.end)].filter((b) => b.type === 'trak').map((t) => track(moov, t));
  return { movieTimescale, tracks };
}

function track(buf: Buffer, trak: Box): Mp4Track {
  const tkhd = need(childOf(buf, trak, 'tkhd'), 'tkhd');
  const trackId = buf.readUInt32BE(tkhd.body + (buf[tkhd.body] === 1 ? 20 : 12));
  const mdia = need(childOf(buf, trak, 'mdia'), 'mdia');
  const mdhd = need(childOf(buf, mdia, 'mdhd'), 'mdhd');
  const timescale = buf.readUInt32BE(mdhd.body + (buf[mdhd.body] === 1 ? 20 : 12));
  if (timescale === 0) throw new Error(`track ${trackId} has a timescale of 0`);
  const hdlr = need(childOf(buf, mdia, 'hdlr'), 'hdlr');
  const handler = buf.toString('latin1', hdlr.body + 8, hdlr.body + 12);
  const stbl = need(childOf(buf, need(childOf(buf, mdia, 'minf'), 'minf'), 'stbl'), 'stbl');

  const sizes = sampleSizes(buf, stbl);
  const count = sizes.length;
  const dts = new Float64Array(count);
  const stts = need(childOf(buf, stbl, 'stts'), 'stts');
  let sample = 0;
  let time = 0;
  for (let i = 0, n = entries(buf, stts, 4, 8); i < n; i++) {
    const runs = buf.readUInt32BE(stts.body + 8 + i * 8);
    const delta = buf.readUInt32BE(stts.body + 12 + i * 8);
    for (let r = 0; r < runs && sample < count; r++, sample++) {
      dts[sample] = time;
      time += delta;
    }
  }
  if (sample !== count) throw new Error(`track ${trackId}: stts times ${sample} of its ${count} samples`);

  const cto = new Float64Array(count);
  const ctts = childOf(buf, stbl, 'ctts');
  if (ctts) {
    const signed = buf[ctts.body] === 1;
    let at = 0;
    for (let i = 0, n = entries(buf, ctts, 4, 8); i < n; i++) {
      const runs = buf.readUInt32BE(ctts.body + 8 + i * 8);
      const offset = signed ? buf.readInt32BE(ctts.body + 12 + i * 8) : buf.readUInt32BE(ctts.body + 12 + i * 8);
      for (let r = 0; r < runs && at < count; r++, at++) cto[at] = offset;
    }
  }

  const sync = new Uint8Array(count);
  const stss = childOf(buf, stbl, 'stss');
  if (stss) {
    for (let i = 0, n = entries(buf, stss, 4, 4); i < n; i++) {
      const number = buf.readUInt32BE(stss.body + 8 + i * 4);
      if (number >= 1 && number <= count) sync[number - 1] = 1;
    }
  } else sync.fill(1);

  return { trackId, handler, timescale, edits: editList(buf, trak), dts, cto, sizes, sync, endDts: time };
}

function sampleSizes(buf: Buffer, stbl: Box): Uint32Array {
  const stsz = childOf(buf, stbl, 'stsz');
  if (stsz) {
    const fixed = buf.readUInt32BE(stsz.body + 4);
    const count = buf.readUInt32BE(stsz.body + 8);
    if (count > MAX_SAMPLES) throw new Error(`stsz lists ${count} samples`);
    if (fixed !== 0) return new Uint32Array(count).fill(fixed);
    if (stsz.body + 12 + count * 4 > stsz.end) throw new Error('the stsz box lists more sizes than it holds');
    const sizes = new Uint32Array(count);
    for (let i = 0; i < count; i++) sizes[i] = buf.readUInt32BE(stsz.body + 12 + i * 4);
    return sizes;
  }
  throw new Error('the index has no stsz box');
}

function editList(buf: Buffer, trak: Box): Mp4Edit[] {
  const edts = childOf(buf, trak, 'edts');
  const elst = edts && childOf(buf, edts, 'elst');
  if (!elst) return [];
  const wide = buf[elst.body] === 1;
  const size = wide ? 20 : 12;
  const edits: Mp4Edit[] = [];
  for (let i = 0, n = entries(buf, elst, 4, size); i < n; i++) {
    const at = elst.body + 8 + i * size;
    edits.push(
      wide
        ? {
            segmentDuration: Number(buf.readBigUInt64BE(at)),
            mediaTime: Number(buf.readBigInt64BE(at + 8)),
            rate: buf.readInt16BE(at + 16) + buf.readUInt16BE(at + 18) / 65536,
          }
        : {
            segmentDuration: buf.readUInt32BE(at),
            mediaTime: buf.readInt32BE(at + 4),
            rate: buf.readInt16BE(at + 8) + buf.readUInt16BE(at + 10) / 65536,
          },
    );
  }
  return edits;
}
