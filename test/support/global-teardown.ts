export default async function globalTeardown(): Promise<void> {
  await (globalThis as { __velvetS3?: { close(): Promise<void> } }).__velvetS3?.close();
}
