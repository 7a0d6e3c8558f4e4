/**
 * RFC 6381 codec strings read from an fMP4 init segment's sample entries, so CODECS states
 * exactly what the encoder produced: `avc1.PPCCLL` from the avcC box (profile, constraint flags,
 * level) and `mp4a.40.N` from the esds AudioSpecificConfig (N = audio object type, 2 for AAC-LC).
 */
export function codecsFromInitSegment(init: Uint8Array): string[] {
  const buf = Buffer.from(init.buffer, init.byteOffset, init.byteLength);
  const codecs: string[] = [];
  const avcC = buf.indexOf('avcC');
  if (avcC >= 4 && avcC + 8 <= buf.length) {
    const hex = (b: number) => b.toString(16).padStart(2, '0').toUpperCase();
    // After the fourcc: configurationVersion, AVCProfileIndication, profile_compatibility, AVCLevelIndication.
    codecs.push(`avc1.${hex(buf[avcC + 5]!)}${hex(buf[avcC + 6]!)}${hex(buf[avcC + 7]!)}`);
  }
  const esds = buf.indexOf('esds');
  if (esds >= 4) {
    const objectType = audioObjectType(buf, esds + 8);
    if (objectType !== null) codecs.push(`mp4a.40.${objectType}`);
  }
  return codecs;
}

/**
 * Walks ES_Descriptor (0x03) → DecoderConfigDescriptor (0x04, objectTypeIndication 0x40 = MPEG-4
 * audio) → DecoderSpecificInfo (0x05), whose first 5 bits are the audio object type (ISO 14496-1
 * §7.2.6; 14496-3 §1.6.2.1). Null when the layout is anything else.
 */
function audioObjectType(buf: Buffer, at: number): number | null {
  const payload = (offset: number, tag: number): number | null => {
    if (buf[offset] !== tag) return null;
    // Sizes take 1–4 bytes of 7 bits each, the high bit meaning "more".
    let p = offset + 1;
    for (let i = 0; i < 3 && (buf[p] ?? 0) & 0x80; i++) p++;
    return p + 1;
  };
  const es = payload(at, 0x03);
  if (es === null) return null;
  const esFlags = buf[es + 2] ?? 0;
  // ES_ID (2 bytes) and flags, then optional fields the flags announce.
  let next = es + 3;
  if (esFlags & 0x80) next += 2;
  if (esFlags & 0x40) next += 1 + (buf[next] ?? 0);
  if (esFlags & 0x20) next += 2;
  const config = payload(next, 0x04);
  if (config === null || buf[config] !== 0x40) return null;
  // objectTypeIndication, streamType, bufferSizeDB (3), maxBitrate (4), avgBitrate (4).
  const specific = payload(config + 13, 0x05);
  return specific === null || specific >= buf.length ? null : buf[specific]! >> 3;
}
