import { readdir, readFile, rm, stat } from 'node:fs/promises';
import { join } from 'node:path';

/**
 * s3rver keeps an unfinished multipart upload as a folder of part files but implements neither
 * ListParts nor AbortMultipartUpload, and happily stores parts for an upload that no longer
 * exists. These read its folder layout (lib/stores/filesystem.js: `<bucket>/._S3rver_uploads/<id>/`)
 * so the verifying front can answer those calls as S3 does. Development and tests only.
 */
export class S3rverMultipartGaps {
  constructor(
    private readonly storeDirectory: string,
    private readonly bucket: string,
  ) {}

  private dir(uploadId: string): string | null {
    // s3rver makes ids of 32 hex characters; anything else cannot be one and must not become a path.
    return /^[0-9a-f]{32}$/.test(uploadId)
      ? join(this.storeDirectory, this.bucket, '._S3rver_uploads', uploadId)
      : null;
  }

  async exists(uploadId: string): Promise<boolean> {
    const dir = this.dir(uploadId);
    return (
      dir !== null &&
      (await stat(dir).then(
        () => true,
        () => false,
      ))
    );
  }

  async abort(uploadId: string): Promise<boolean> {
    if (!(await this.exists(uploadId))) return false;
    await rm(this.dir(uploadId)!, { recursive: true, force: true });
    return true;
  }

  /** ListPartsResult XML, or null when the upload does not exist. */
  async listPartsXml(key: string, uploadId: string, marker: number, maxParts: number): Promise<string | null> {
    if (!(await this.exists(uploadId))) return null;
    const dir = this.dir(uploadId)!;
    const listed = (await readdir(dir))
      .filter((f) => /^\d+$/.test(f))
      .map(Number)
      .filter((n) => n > marker)
      .sort((a, b) => a - b);
    // A part still being written, or cut off by its client, is no part yet (S3 lists only stored
    // parts). Read a page's worth at a time, one more than the page to know whether it is cut.
    const stored: StoredPart[] = [];
    for (let i = 0; i < listed.length && stored.length <= maxParts; i += maxParts) {
      const batch = await Promise.all(listed.slice(i, i + maxParts).map((n) => storedPart(dir, n)));
      stored.push(...batch.filter((p) => p !== null));
    }
    const page = stored.slice(0, maxParts);
    const parts = page.map(
      (p) =>
        `<Part><PartNumber>${p.number}</PartNumber><LastModified>${p.modified.toISOString()}</LastModified><ETag>"${p.md5}"</ETag><Size>${p.size}</Size></Part>`,
    );
    const truncated = stored.length > page.length;
    return (
      '<?xml version="1.0" encoding="UTF-8"?>\n<ListPartsResult xmlns="http://s3.amazonaws.com/doc/2006-03-01/">' +
      `<Bucket>${this.bucket}</Bucket><Key>${escape(key)}</Key><UploadId>${uploadId}</UploadId>` +
      `<PartNumberMarker>${marker}</PartNumberMarker><NextPartNumberMarker>${page.at(-1)?.number ?? marker}</NextPartNumberMarker>` +
      `<MaxParts>${maxParts}</MaxParts><IsTruncated>${truncated}</IsTruncated>${parts.join('')}</ListPartsResult>`
    );
  }
}

interface StoredPart {
  readonly number: number;
  readonly size: number;
  readonly modified: Date;
  readonly md5: string;
}

/**
 * A part s3rver has finished storing: it writes the part's checksum file after its bytes, so a
 * part without one (or with an empty one) is still being written or was cut off.
 */
async function storedPart(dir: string, number: number): Promise<StoredPart | null> {
  try {
    const md5 = (await readFile(join(dir, `${number}.md5`), 'utf8')).trim();
    if (md5 === '') return null;
    const info = await stat(join(dir, String(number)));
    return { number, size: info.size, modified: info.mtime, md5 };
  } catch (error) {
    if ((error as NodeJS.ErrnoException).code === 'ENOENT') return null;
    throw error;
  }
}

function escape(text: string): string {
  return text.replace(/[<>&"']/g, (c) => `&#${c.charCodeAt(0)};`);
}
