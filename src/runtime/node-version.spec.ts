import { REQUIRED_NODE_MAJOR, unsupportedNodeReason } from './node-version';

describe('unsupportedNodeReason', () => {
  it('accepts the required line and newer ones', () => {
    expect(unsupportedNodeReason('v24.0.0')).toBeUndefined();
    expect(unsupportedNodeReason('v24.21.0')).toBeUndefined();
    expect(unsupportedNodeReason('v26.10.0')).toBeUndefined();
  });

  it('refuses older lines with a message naming both versions', () => {
    expect(unsupportedNodeReason('v20.20.2')).toBe(
      `Velvet needs Node.js ${REQUIRED_NODE_MAJOR} or newer; this is v20.20.2. ` +
        'Run it through npm (npm run …), which uses the Node.js that `npm ci` installed in node_modules, ' +
        `or install Node.js ${REQUIRED_NODE_MAJOR} LTS.`,
    );
    expect(unsupportedNodeReason('v23.11.1')).toMatch(/this is v23\.11\.1/);
  });

  it('refuses what it cannot read', () => {
    expect(unsupportedNodeReason('')).toMatch(/needs Node\.js/);
    expect(unsupportedNodeReason('node')).toMatch(/needs Node\.js/);
  });

  it('runs this test process on the required line', () => {
    expect(unsupportedNodeReason(process.version)).toBeUndefined();
  });
});
