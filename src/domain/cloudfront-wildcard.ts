/**
 * CloudFront custom-policy Resource matching (docs/cloudfront.md §8.3): `*` is any run of characters
 * and `?` exactly one, each within its own section — protocol, domain, path, query — so a domain
 * wildcard never swallows a `/`. Path and query compare as sent (case-sensitive), the domain
 * lowercased.
 */
interface Sections {
  readonly proto: string;
  readonly domain: string;
  readonly path: string;
  readonly query: string;
}

export function matchesResource(resource: string, url: string): boolean {
  if (resource === '*') return true;
  const request = splitUrl(url);
  if (!request) return false;
  return readings(resource).some(
    (r) =>
      glob(r.proto, request.proto) &&
      glob(r.domain.toLowerCase(), request.domain.toLowerCase()) &&
      glob(r.path, request.path) &&
      glob(r.query, request.query),
  );
}

function splitUrl(url: string): Sections | null {
  const match = /^([^:/?]+):\/\/([^/?]*)([^?]*)(?:\?(.*))?$/s.exec(url);
  if (!match) return null;
  return { proto: match[1]!, domain: match[2]!, path: match[3] || '/', query: match[4] ?? '' };
}

/**
 * The Resource's sections. `\?` always separates the query; without it the docs allow two
 * readings (the first `?` separates the query, or every `?` is a wildcard), and either may match.
 */
function readings(resource: string): Sections[] {
  let text = resource;
  if (!text.includes('://') && text.startsWith('*')) text = `*://${text}`;
  const protoAt = text.indexOf('://');
  if (protoAt < 0) return [];
  const proto = text.slice(0, protoAt);
  const rest = text.slice(protoAt + 3);
  const escaped = rest.indexOf('\\?');
  const splits: Array<[string, string | undefined]> =
    escaped >= 0
      ? [[rest.slice(0, escaped), rest.slice(escaped + 2)]]
      : rest.includes('?')
        ? [
            [rest.slice(0, rest.indexOf('?')), rest.slice(rest.indexOf('?') + 1)],
            [rest, undefined],
          ]
        : [[rest, undefined]];
  return splits.map(([beforeQuery, query]) => {
    const slash = beforeQuery.indexOf('/');
    const domain = slash < 0 ? beforeQuery : beforeQuery.slice(0, slash);
    let path = slash < 0 ? '' : beforeQuery.slice(slash);
    // A trailing `*` in the domain implies `/*\?*`; in the path it implies `\?*`.
    if (!path && domain.endsWith('*')) path = '/*';
    if (!path) path = '/';
    const impliedQuery = path.endsWith('*') ? '*' : '';
    return { proto, domain, path, query: query ?? impliedQuery };
  });
}

/**
 * Which cache behavior serves a path: CloudFront's path patterns take the same `*` and `?`,
 * case-sensitive, with or without the leading `/`.
 */
export function matchesPathPattern(pattern: string, path: string): boolean {
  return glob(pattern.replace(/^\//, ''), path.replace(/^\//, ''));
}

function glob(pattern: string, text: string): boolean {
  const source = pattern
    .replace(/[.+^${}()|[\]\\]/g, '\\$&')
    .replace(/\*/g, '.*')
    .replace(/\?/g, '.');
  return new RegExp(`^${source}$`, 's').test(text);
}
