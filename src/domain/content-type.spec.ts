import { normalizeUploadContentType } from './content-type';

describe('upload content types', () => {
  it.each([
    ['video/mp4', 'video/mp4'],
    ['Video/QuickTime', 'video/quicktime'],
    ['audio/mpeg', 'audio/mpeg'],
    ['application/octet-stream', 'application/octet-stream'],
    ['video/x-matroska', 'video/x-matroska'],
  ])('accepts %s', (input, expected) => expect(normalizeUploadContentType(input)).toBe(expected));
  it.each([
    'text/html',
    'image/png',
    'video/',
    'video/mp4; codecs=avc1',
    'application/json',
    'video/mp4\r\nx: y',
    'videos/mp4',
  ])('refuses %j', (input) => expect(normalizeUploadContentType(input)).toBeNull());
});
