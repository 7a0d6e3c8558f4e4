import type { ObjectStorage } from '../../ports/object-storage';

/**
 * A whole object (or a byte range of it) into memory: playlists and small headers only. With
 * `ifMatch`, only that version of it (else ObjectChangedError).
 */
export async function readObject(
  storage: ObjectStorage,
  key: string,
  range?: string,
  ifMatch?: string,
): Promise<Buffer> {
  const object = await storage.openObject(key, { range, ...(ifMatch ? { ifMatch } : {}) });
  if (!object?.body) throw new Error(`${key} is not in storage`);
  const parts: Buffer[] = [];
  for await (const part of object.body) parts.push(part as Buffer);
  return Buffer.concat(parts);
}

export async function readObjectText(storage: ObjectStorage, key: string): Promise<string> {
  return (await readObject(storage, key)).toString('utf8');
}
