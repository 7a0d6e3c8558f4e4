import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join, relative } from 'node:path';
import { buildApp } from '../lib/app.ts';
import { InfraInputError } from '../lib/inputs.ts';
import { plainTemplate } from '../lib/plain-template.ts';

/**
 * `npm run infra:synth`: both stacks as plain CloudFormation templates under infra/, offline,
 * for operators who deploy with CloudFormation (no CDK, no bootstrap): the media stack first,
 * then the service stack, which imports its exports.
 */
function main(): number {
  const outdir = mkdtempSync(join(tmpdir(), 'velvet-cdk-'));
  try {
    const { app, stack, service, warnings } = buildApp(process.env, outdir);
    for (const warning of warnings) console.warn(`warning: ${warning}`);
    const assembly = app.synth();
    const artifacts = [stack, service].map((s) => assembly.getStackArtifact(s.artifactId));
    const messages = artifacts.flatMap((artifact) => artifact.messages);
    for (const m of messages.filter((m) => m.level === 'warning')) console.warn(`warning: ${m.entry.data}`);
    const errors = messages.filter((m) => m.level === 'error');
    if (errors.length > 0) {
      console.error(
        `Velvet's stacks are unsafe and were not written:\n${errors.map((m) => `  - ${m.entry.data}`).join('\n')}`,
      );
      return 1;
    }
    for (const artifact of artifacts) {
      const file = join(import.meta.dirname, '..', `${artifact.stackName}.template.json`);
      writeFileSync(file, `${JSON.stringify(plainTemplate(artifact.template as Record<string, unknown>), null, 2)}\n`);
      console.log(relative(process.cwd(), file) || file);
    }
    const images = artifacts.flatMap((a) => a.assets).filter((asset) => asset.packaging === 'container-image');
    if (images.length > 0)
      console.warn(
        `note: ${service.stackName} runs images built from the Dockerfile by \`npm run infra:deploy\` (${images.length} targets, pushed to ECR aws-cdk/assets); ` +
          'to deploy the templates with CloudFormation alone, push the api and worker targets and set INFRA_API_IMAGE and INFRA_WORKER_IMAGE',
      );
    return 0;
  } catch (error) {
    if (error instanceof InfraInputError) {
      console.error(error.message);
      return 2;
    }
    throw error;
  } finally {
    rmSync(outdir, { recursive: true, force: true });
  }
}

process.exitCode = main();
