/**
 * A template an operator deploys with CloudFormation alone: CDK's own metadata (construct paths,
 * the CDKMetadata resource and its condition) removed, nothing else changed.
 */
export function plainTemplate(template: Record<string, unknown>): Record<string, unknown> {
  const out = structuredClone(template) as Record<string, Record<string, Record<string, unknown>> | unknown>;
  const resources = (out.Resources ?? {}) as Record<string, Record<string, unknown>>;
  delete resources.CDKMetadata;
  for (const resource of Object.values(resources)) {
    const metadata = resource.Metadata as Record<string, unknown> | undefined;
    if (!metadata) continue;
    for (const key of Object.keys(metadata))
      if (key.startsWith('aws:cdk:') || key.startsWith('aws:asset:')) delete metadata[key];
    if (Object.keys(metadata).length === 0) delete resource.Metadata;
  }
  const conditions = out.Conditions as Record<string, unknown> | undefined;
  if (conditions) {
    delete conditions.CDKMetadataAvailable;
    if (Object.keys(conditions).length === 0) delete out.Conditions;
  }
  return out as Record<string, unknown>;
}
