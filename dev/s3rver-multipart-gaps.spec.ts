import { mkdirSync, mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { S3rverMultipartGaps } from './s3rver-multipart-gaps';

const UPLOAD = '0123456789abcdef0123456789abcdef';

describe("ListParts over s3rver's folders", () => {
  let store: string;
  let dir: string;
  beforeEach(() => {
    store = mkdtempSync(join(tmpdir(), 'velvet-gaps-'));
    dir = join(store, 'media', '._S3rver_uploads', UPLOAD);
    mkdirSync(dir, { recursive: true });
  });
  afterEach(() => rmSync(store, { recursive: true, force: true }));

  it('lists the stored parts only: not one still being written or cut off (no checksum yet)', async () => {
    writeFileSync(join(dir, '1'), 'aaaa');
    writeFileSync(join(dir, '1.md5'), 'c'.repeat(32));
    writeFileSync(join(dir, '2'), 'bb'); // its bytes cut off: s3rver writes the checksum after them
    writeFileSync(join(dir, '3'), 'cccccc');
    writeFileSync(join(dir, '3.md5'), ''); // the checksum file being written
    writeFileSync(join(dir, '4'), 'dd');
    writeFileSync(join(dir, '4.md5'), 'd'.repeat(32));

    const xml = (await new S3rverMultipartGaps(store, 'media').listPartsXml('uploads/x/source', UPLOAD, 0, 1))!;
    expect([...xml.matchAll(/<PartNumber>(\d+)<\/PartNumber>/g)].map((m) => Number(m[1]))).toEqual([1]);
    expect(xml).toContain('<IsTruncated>true</IsTruncated>');
    expect(xml).toContain('<NextPartNumberMarker>1</NextPartNumberMarker>');
    const rest = (await new S3rverMultipartGaps(store, 'media').listPartsXml('uploads/x/source', UPLOAD, 1, 10))!;
    expect([...rest.matchAll(/<PartNumber>(\d+)<\/PartNumber>/g)].map((m) => Number(m[1]))).toEqual([4]);
    expect(rest).toContain(`<ETag>"${'d'.repeat(32)}"</ETag><Size>2</Size>`);
    expect(rest).toContain('<IsTruncated>false</IsTruncated>');
  });
});
