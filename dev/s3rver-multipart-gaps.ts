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
    const numbers = (await readdir(dir))
      .filter((f) => /^\d+$/.test(f))
      .map(Number)
      .filter((n) => n > marker)
      .sort((a, b) => a - b);
    const page = numbers.slice(0, maxParts);
    const parts = await Promise.all(
      page.map(async (n) => {
        const [info, md5] = await Promise.all([stat(join(dir, String(n))), readFile(join(dir, `${n}.md5`), 'utf8')]);
        return `<Part><PartNumber>${n}</PartNumber><LastModified>${info.mtime.toISOString()}</LastModified><ETag>"${md5.trim()}"</ETag><Size>${info.size}</Size></Part>`;
      }),
    );
    const truncated = numbers.length > page.length;
    return (
      '<?xml version="1.0" encoding="UTF-8"?>\n<ListPartsResult xmlns="http://s3.amazonaws.com/doc/2006-03-01/">' +
      `<Bucket>${this.bucket}</Bucket><Key>${escape(key)}</Key><UploadId>${uploadId}</UploadId>` +
      `<PartNumberMarker>${marker}</PartNumberMarker><NextPartNumberMarker>${page.at(-1) ?? marker}</NextPartNumberMarker>` +
      `<MaxParts>${maxParts}</MaxParts><IsTruncated>${truncated}</IsTruncated>${parts.join('')}</ListPartsResult>`
    );
  }
}

function escape(text: string): string {
  return text.replace(/[<>&"']/g, (c) => `&#${c.charCodeAt(0)};`);
}
