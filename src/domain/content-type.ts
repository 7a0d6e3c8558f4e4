// A MIME type token per RFC 9110 §8.3.1, without parameters: the value is signed into the
// upload policy and must equal what the uploader sends byte for byte.
const TOKEN = "[!#$%&'*+.^_`|~0-9a-z-]+";
const ALLOWED = new RegExp(`^(?:(?:video|audio)/${TOKEN}|application/octet-stream)$`);

/** Lowercased content type, or null when it is not one a creator may upload. */
export function normalizeUploadContentType(value: string): string | null {
  const lowered = value.trim().toLowerCase();
  return ALLOWED.test(lowered) && lowered.length <= 127 ? lowered : null;
}
