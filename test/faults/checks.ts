/**
 * What must hold once the faults stop and the work drains: nothing lost, nothing stuck, nothing
 * left behind. Each check returns what it saw, so the run's report can show it.
 */
import { createHash } from 'node:crypto';
import type { Pool } from 'pg';
import type { ObjectStorage } from '../../src/ports/object-storage';
import type { ApiClient } from './client';
import type { LoadState, Receiver } from './load';

export interface Check {
  readonly name: string;
  readonly ok: boolean;
  readonly detail: string;
}

const ID_IN_KEY = /^(?:uploads|videos|work|downloads)\/([0-9a-hjkmnp-tv-z]{26})\//;

/** Every accepted upload ended ready or failed with a code (or was deleted and is gone). */
export async function finalStates(
  db: Pool,
  state: LoadState,
): Promise<Check & { stuck: string[]; failed: number; ready: number }> {
  const ids = [...state.accepted.keys()];
  const { rows } = await db.query<{ id: string; status: string; error_code: string | null }>(
    'SELECT id, status, error_code FROM videos WHERE id = ANY($1)',
    [ids],
  );
  const byId = new Map(rows.map((r) => [r.id, r]));
  const stuck: string[] = [];
  let failed = 0;
  let ready = 0;
  for (const id of ids) {
    const row = byId.get(id);
    if (state.deleted.has(id)) {
      if (row) stuck.push(`${id} deleted (204) but its row is still there`);
      continue;
    }
    if (!row) stuck.push(`${id} accepted but its row is gone`);
    else if (row.status === 'ready') ready++;
    else if (row.status === 'failed' && row.error_code) failed++;
    else stuck.push(`${id} ${row.status}${row.status === 'failed' ? ' without a code' : ''}`);
  }
  return {
    name: 'uploads end ready or failed',
    ok: stuck.length === 0,
    detail: `${ready} ready, ${failed} failed with a code, ${state.deleted.size} deleted, ${stuck.length} stuck${stuck.length ? ` (${stuck.slice(0, 5).join('; ')})` : ''}`,
    stuck,
    failed,
    ready,
  };
}

/** Every ready video plays whole: each playlist and segment through the edge, twice, byte-identical. */
export async function segmentsWhole(api: ApiClient, db: Pool, ownerToken: string): Promise<Check> {
  const { rows } = await db.query<{ id: string }>("SELECT id FROM videos WHERE status = 'ready'");
  const problems: string[] = [];
  let files = 0;
  for (const { id } of rows) {
    const session = await api.call('POST', `/v1/videos/${id}/playback-sessions`, ownerToken, {});
    if (session?.status !== 201) {
      problems.push(`${id}: no session (${session?.status})`);
      continue;
    }
    const cookie = (session.json.cookies as Array<{ name: string; value: string }>)
      .map((c) => `${c.name}=${c.value}`)
      .join('; ');
    const fetchTwice = async (url: string): Promise<Buffer | null> => {
      const once = async (): Promise<Buffer | null> => {
        const res = await fetch(url, { headers: { cookie } });
        return res.ok ? Buffer.from(await res.arrayBuffer()) : null;
      };
      const a = await once();
      const b = await once();
      files++;
      if (!a || !b) problems.push(`${id}: ${url.split(`/videos/${id}/`)[1]} missing`);
      else if (!digest(a).equals(digest(b))) problems.push(`${id}: ${url} differs between two fetches`);
      return a;
    };
    const master = await fetchTwice(session.json.manifestUrl);
    if (!master) continue;
    const playlists = [...master.toString().matchAll(/^(?!#)(\S+)$|URI="([^"]+)"/gm)].map((m) =>
      new URL(m[1] ?? m[2]!, session.json.manifestUrl).toString(),
    );
    for (const playlistUrl of new Set(playlists)) {
      const playlist = await fetchTwice(playlistUrl);
      if (!playlist) continue;
      const uris = [...playlist.toString().matchAll(/^(?!#)(\S+)$|URI="([^"]+)"/gm)].map((m) =>
        new URL(m[1] ?? m[2]!, playlistUrl).toString(),
      );
      for (const uri of uris) await fetchTwice(uri);
    }
  }
  return {
    name: 'ready videos play whole',
    ok: problems.length === 0,
    detail: `${rows.length} videos, ${files} files fetched twice${problems.length ? `; ${problems.slice(0, 5).join('; ')}` : ''}`,
  };
}

/** One published version per ready video once the old ones' retirement delay has passed. */
export async function oneVersion(db: Pool, storage: ObjectStorage): Promise<Check> {
  const { rows } = await db.query<{ id: string; hls_version: string }>(
    "SELECT id, hls_version FROM videos WHERE status = 'ready'",
  );
  const problems: string[] = [];
  for (const { id, hls_version } of rows) {
    const versions = (await storage.listChildPrefixes(`videos/${id}/hls/`)).map((p) => p.split('/').at(-2));
    if (versions.length !== 1 || versions[0] !== hls_version)
      problems.push(`${id}: ${versions.join(', ')} (row: ${hls_version})`);
  }
  return {
    name: 'one published version each',
    ok: problems.length === 0,
    detail: `${rows.length} videos${problems.length ? `; ${problems.slice(0, 5).join('; ')}` : ''}`,
  };
}

/** No object in the bucket belongs to a video that no longer exists. */
export async function noOrphans(db: Pool, storage: ObjectStorage): Promise<Check> {
  const keys = (await Promise.all(['uploads/', 'videos/', 'work/', 'downloads/'].map((p) => storage.listObjects(p))))
    .flat()
    .map((o) => o.key);
  const owners = new Set(keys.map((k) => ID_IN_KEY.exec(k)?.[1]).filter((id): id is string => Boolean(id)));
  const { rows } = await db.query<{ id: string }>('SELECT id FROM videos WHERE id = ANY($1)', [[...owners]]);
  const alive = new Set(rows.map((r) => r.id));
  const orphans = keys.filter((k) => !alive.has(ID_IN_KEY.exec(k)?.[1] ?? ''));
  return {
    name: 'no objects of deleted videos',
    ok: orphans.length === 0,
    detail: `${keys.length} objects of ${owners.size} videos${orphans.length ? `; ${orphans.length} orphans, e.g. ${orphans.slice(0, 3).join(', ')}` : ''}`,
  };
}

/** Every event committed since the endpoint was registered reached the receiver at least once. */
export async function eventsDelivered(db: Pool, receiver: Receiver, since: Date): Promise<Check & { missing: number }> {
  const { rows } = await db.query<{ id: string }>('SELECT id FROM video_events WHERE created_at > $1', [since]);
  const missing = rows.filter((r) => !receiver.received.has(r.id)).map((r) => r.id);
  return {
    name: 'committed events delivered',
    ok: missing.length === 0,
    detail: `${rows.length} events, ${receiver.deliveries} deliveries received, ${missing.length} missing`,
    missing: missing.length,
  };
}

function digest(bytes: Buffer): Buffer {
  return createHash('sha256').update(bytes).digest();
}
