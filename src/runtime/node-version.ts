/** The Node.js line Velvet is built and tested on (package.json `engines.node`). */
export const REQUIRED_NODE_MAJOR = 24;

/**
 * Why a Node.js version cannot run Velvet, or undefined when it can. Older lines are refused
 * rather than tolerated: Node 20 gets no security fixes, and the AWS SDK drops it in 2027.
 */
export function unsupportedNodeReason(version: string, required = REQUIRED_NODE_MAJOR): string | undefined {
  const major = Number(/^v?(\d+)\./.exec(version)?.[1]);
  if (Number.isInteger(major) && major >= required) return undefined;
  return (
    `Velvet needs Node.js ${required} or newer; this is ${version}. ` +
    'Run it through npm (npm run …), which uses the Node.js that `npm ci` installed in node_modules, ' +
    `or install Node.js ${required} LTS.`
  );
}
