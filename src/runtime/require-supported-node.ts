import { unsupportedNodeReason } from './node-version';

// Imported first by every entry point, so that an older `node` stops with one line before any
// dependency loads (NestJS and jose ship ES modules only, which older lines cannot require).
const reason = unsupportedNodeReason(process.version);
if (reason) {
  console.error(reason);
  process.exit(1);
}
