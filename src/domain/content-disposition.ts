/**
 * `attachment` with the file name (RFC 6266): a quoted ASCII name, plus the exact name in UTF-8
 * (RFC 8187 `filename*`) only when the name is not plain ASCII.
 */
export function attachmentDisposition(fileName: string): string {
  const ascii = fileName.replace(/[^\x20-\x7e]|["\\]/g, '_');
  return ascii === fileName
    ? `attachment; filename="${ascii}"`
    : `attachment; filename="${ascii}"; filename*=UTF-8''${encodeURIComponent(fileName)}`;
}
