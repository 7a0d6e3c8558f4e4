/**
 * The timing of an fMP4 media segment, read from its boxes (ISO/IEC 14496-12): each `moof`'s
 * `traf` carries the fragment's start (`tfdt` baseMediaDecodeTime) and its samples' durations
 * (`trun`, or the `tfhd` default). Independently encoded chunks stitch into one playlist only if
 * each chunk's first segment starts where the previous chunk's last one ended.
 */
export interface SegmentTiming {
  /** baseMediaDecodeTime of the first fragment, in the track's timescale. */
  readonly start: number;
  /** start of the first fragment plus every sample's duration, in the same timescale. */
  readonly end: number;
  readonly samples: number;
}

export interface Box {
  readonly type: string;
  /** Payload start (after size and type) and end. */
  readonly body: number;
  readonly end: number;
}

export function* boxes(buf: Buffer, from: number, to: number): Generator<Box> {
  let at = from;
  while (at + 8 <= to) {
    let size = buf.readUInt32BE(at);
    let header = 8;
    if (size === 1) {
      size = Number(buf.readBigUInt64BE(at + 8));
      header = 16;
    } else if (size === 0) size = to - at;
    if (size < header || at + size > to) throw new Error(`malformed box at ${at}`);
    yield { type: buf.toString('latin1', at + 4, at + 8), body: at + header, end: at + size };
    at += size;
  }
}

const child = (buf: Buffer, parent: Box, type: string) =>
  [...boxes(buf, parent.body, parent.end)].find((b) => b.type === type);

/** The first track's timing over every fragment of a segment. */
export function segmentTiming(segment: Uint8Array): SegmentTiming {
  const buf = Buffer.from(segment.buffer, segment.byteOffset, segment.byteLength);
  const timing = new TimingSum();
  for (const box of boxes(buf, 0, buf.length)) if (box.type === 'moof') timing.add(buf, box);
  return timing.result();
}

// A moof is a few KB (a sample table); the segment's first read takes it and the mdat's header.
const HEAD_BYTES = 64 * 1024;

/**
 * The same timing read from storage by ranges: only the top-level box headers and the `moof`
 * boxes, never the media data. `read(start, end)` returns bytes [start, end).
 */
export async function readSegmentTiming(
  size: number,
  read: (start: number, end: number) => Promise<Buffer>,
): Promise<SegmentTiming> {
  let window = { from: 0, bytes: await read(0, Math.min(size, HEAD_BYTES)) };
  const bytesAt = async (from: number, length: number): Promise<Buffer> => {
    const end = Math.min(size, from + length);
    if (from < window.from || end > window.from + window.bytes.length) window = { from, bytes: await read(from, end) };
    return window.bytes.subarray(from - window.from, end - window.from);
  };
  const timing = new TimingSum();
  for (let at = 0; at + 8 <= size;) {
    const header = await bytesAt(at, 16);
    let boxSize = header.readUInt32BE(0);
    if (boxSize === 1) boxSize = Number(header.readBigUInt64BE(8));
    else if (boxSize === 0) boxSize = size - at;
    if (boxSize < 8 || at + boxSize > size) throw new Error(`malformed box at ${at}`);
    if (header.toString('latin1', 4, 8) === 'moof') {
      const moof = Buffer.from(await bytesAt(at, boxSize));
      timing.add(moof, [...boxes(moof, 0, moof.length)][0]!);
    }
    at += boxSize;
  }
  return timing.result();
}

/** Sums the fragments' timing in order: the first fragment's tfdt, every sample's duration. */
class TimingSum {
  private start: number | undefined;
  private duration = 0;
  private samples = 0;

  add(buf: Buffer, moof: Box): void {
    const traf = child(buf, moof, 'traf');
    if (!traf) throw new Error('moof without traf');
    const tfhd = child(buf, traf, 'tfhd');
    const tfdt = child(buf, traf, 'tfdt');
    if (!tfhd || !tfdt) throw new Error('traf without tfhd or tfdt');
    if (this.start === undefined)
      this.start = buf[tfdt.body] === 1 ? Number(buf.readBigUInt64BE(tfdt.body + 4)) : buf.readUInt32BE(tfdt.body + 4);
    const defaultDuration = tfhdDefaultDuration(buf, tfhd);
    for (const trun of [...boxes(buf, traf.body, traf.end)].filter((b) => b.type === 'trun')) {
      const run = trunDurations(buf, trun, defaultDuration);
      this.duration += run.total;
      this.samples += run.count;
    }
  }

  result(): SegmentTiming {
    if (this.start === undefined) throw new Error('no moof in segment');
    return { start: this.start, end: this.start + this.duration, samples: this.samples };
  }
}

/** tfhd: version/flags, track_ID, then optional fields in flag order (0x08 = default duration). */
function tfhdDefaultDuration(buf: Buffer, tfhd: Box): number | undefined {
  const flags = buf.readUInt32BE(tfhd.body) & 0xffffff;
  let at = tfhd.body + 8;
  if (flags & 0x01) at += 8;
  if (flags & 0x02) at += 4;
  return flags & 0x08 ? buf.readUInt32BE(at) : undefined;
}

/** trun: sample_count, optional data offset and first-sample flags, then per-sample fields. */
function trunDurations(buf: Buffer, trun: Box, fallback: number | undefined): { total: number; count: number } {
  const flags = buf.readUInt32BE(trun.body) & 0xffffff;
  const count = buf.readUInt32BE(trun.body + 4);
  let at = trun.body + 8;
  if (flags & 0x01) at += 4;
  if (flags & 0x04) at += 4;
  const perSample = [0x100, 0x200, 0x400, 0x800].filter((f) => flags & f).length * 4;
  if (!(flags & 0x100)) {
    if (fallback === undefined) throw new Error('samples without a duration');
    return { total: fallback * count, count };
  }
  let total = 0;
  for (let i = 0; i < count; i++, at += perSample) total += buf.readUInt32BE(at);
  return { total, count };
}
