import { KEY_ID_OUTPUT, OUTPUT_SETTINGS } from './outputs.ts';

/**
 * The stack's outputs as Velvet `.env` lines. Takes what `cdk deploy --outputs-file` writes
 * (`{"VelvetMedia": {"S3Bucket": …}}`) or what `aws cloudformation describe-stacks` prints.
 */
export function envLines(outputsJson: unknown, stackName: string, serviceStackName = `${stackName}Service`): string[] {
  const outputs = readOutputs(outputsJson, stackName);
  const lines = [`# Velvet settings from the ${stackName} stack's outputs`];
  for (const [id, setting] of Object.entries(OUTPUT_SETTINGS)) {
    if (setting.startsWith('VELVET_')) continue;
    if (outputs[id] === undefined)
      throw new Error(`the ${stackName} outputs have no ${id}: is this the VelvetMedia stack, deployed?`);
    lines.push(`${setting}=${outputs[id]}`);
  }
  const keyIds = Object.entries(outputs).filter(([id]) => id.startsWith(KEY_ID_OUTPUT));
  if (keyIds.length === 0) throw new Error(`the ${stackName} outputs have no ${KEY_ID_OUTPUT}… key id`);
  // The key group may hold several keys during a rotation; Velvet signs with one of them.
  lines.push(`CLOUDFRONT_KEY_PAIR_ID=${keyIds[keyIds.length - 1]![1]}`);
  if (keyIds.length > 1) {
    lines.push(
      `# the key group holds ${keyIds.length} keys; set CLOUDFRONT_KEY_PAIR_ID to the one of CLOUDFRONT_PRIVATE_KEY:`,
    );
    for (const [id, value] of keyIds)
      lines.push(`#   ${value} (public key fingerprint ${id.slice(KEY_ID_OUTPUT.length)})`);
  }
  const cdnHost = new URL(outputs.CdnBaseUrl!).hostname;
  if (cdnHost.endsWith('.cloudfront.net')) {
    lines.push(
      '# COOKIE_DOMAIN stays unset: no cookie can be set for *.cloudfront.net, so the api must answer on the CDN host',
    );
  } else {
    lines.push(`# the cookies must reach ${cdnHost}: COOKIE_DOMAIN is it or a parent domain the api is also under`);
    lines.push(`COOKIE_DOMAIN=${cookieDomainFor(cdnHost)}`);
  }
  lines.push("# attach these IAM managed policies: the first to the api's role, the second to the worker's");
  lines.push(`# ${OUTPUT_SETTINGS.ApiPolicyArn}=${outputs.ApiPolicyArn ?? ''}`);
  lines.push(`# ${OUTPUT_SETTINGS.WorkerPolicyArn}=${outputs.WorkerPolicyArn ?? ''}`);
  lines.push(...serviceLines(outputsJson, serviceStackName));
  return lines;
}

/** When the service stack is deployed too: where its api answers, and the doctor's name for it. */
function serviceLines(outputsJson: unknown, serviceStackName: string): string[] {
  let outputs: Record<string, string>;
  try {
    outputs = readOutputs(outputsJson, serviceStackName);
  } catch {
    return [];
  }
  if (!outputs.LoadBalancerDnsName) return [];
  return [
    `# the ${serviceStackName} stack runs the api and the workers (their settings are in its task definitions);`,
    `# point the api's host name at its load balancer (a CNAME): ${outputs.LoadBalancerDnsName}`,
    `DOCTOR_SERVICE_STACK=${serviceStackName}`,
  ];
}

function readOutputs(json: unknown, stackName: string): Record<string, string> {
  const stacks = (
    json as { Stacks?: Array<{ StackName?: string; Outputs?: Array<{ OutputKey: string; OutputValue: string }> }> }
  ).Stacks;
  if (Array.isArray(stacks)) {
    const stack = stacks.find((s) => s.StackName === stackName) ?? (stacks.length === 1 ? stacks[0] : undefined);
    if (!stack) throw new Error(`describe-stacks output has no stack ${stackName}`);
    return Object.fromEntries((stack.Outputs ?? []).map((o) => [o.OutputKey, o.OutputValue]));
  }
  const outputs = (json as Record<string, unknown>)[stackName];
  if (!outputs || typeof outputs !== 'object') throw new Error(`the outputs file has no ${stackName} stack`);
  return outputs as Record<string, string>;
}

/** The api on a sibling host (app.example.com beside cdn.example.com) sets the cookies for the parent. */
export function cookieDomainFor(cdnHost: string): string {
  const labels = cdnHost.split('.');
  return labels.length > 2 ? labels.slice(1).join('.') : cdnHost;
}
