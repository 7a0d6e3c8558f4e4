/**
 * A playlist for clients without cookies (docs/playback.md, "Playback without cookies"): every
 * URI it names made absolute and signed with the session's CloudFront query. Segments, init
 * segments, keys and subtitle files go to the CDN with the query (one custom policy covers the
 * whole video, so the same query signs every file, and CloudFront's cache key never holds it);
 * the playlists it leads to go to the api's signed-manifest route with the same query, to be
 * signed in turn. Nothing outside the video's own prefix is ever signed.
 */

export interface PlaylistSigning {
  /** Where the playlist lives on the CDN: relative URIs resolve against it. */
  readonly playlistUrl: string;
  /** `{CDN}/videos/{id}/`: every URI must resolve under it. */
  readonly videoPrefix: string;
  /** `Policy=…&Signature=…&Key-Pair-Id=…` (CloudFront base64: nothing to escape). */
  readonly signedQuery: string;
  /** The signed-manifest URL of a playlist under the prefix, given its path below the prefix. */
  readonly playlistRoute: (pathBelowPrefix: string) => string;
}

// Tags carry URIs in a quoted URI attribute (EXT-X-MAP, -KEY, -MEDIA, -I-FRAME-STREAM-INF,
// -SESSION-KEY, -PART, -PRELOAD-HINT, -RENDITION-REPORT…); other lines that are not tags are URIs.
const URI_ATTRIBUTE = /(?<=[:,]URI=")([^"]*)(?=")/g;
const PLAYLIST = /\.m3u8$/i;

export class PlaylistSigningError extends Error {}

export function signPlaylist(text: string, signing: PlaylistSigning): string {
  if (!text.startsWith('#EXTM3U')) throw new PlaylistSigningError('not an HLS playlist');
  const sign = (uri: string): string => {
    const resolved = new URL(uri, signing.playlistUrl);
    const absolute = `${resolved.origin}${resolved.pathname}`;
    if (!absolute.startsWith(signing.videoPrefix) || resolved.hash !== '')
      throw new PlaylistSigningError(`a URI outside the video: ${uri}`);
    const query = resolved.search ? `${resolved.search}&${signing.signedQuery}` : `?${signing.signedQuery}`;
    if (PLAYLIST.test(resolved.pathname))
      return `${signing.playlistRoute(absolute.slice(signing.videoPrefix.length))}${query}`;
    return `${absolute}${query}`;
  };
  return text
    .split('\n')
    .map((line) => {
      const trimmed = line.trim();
      if (trimmed === '') return line;
      if (trimmed.startsWith('#')) return line.replace(URI_ATTRIBUTE, (uri) => sign(uri));
      return sign(trimmed);
    })
    .join('\n');
}
