import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join, relative } from 'node:path';
import { buildApp } from '../lib/app.ts';
import { InfraInputError } from '../lib/inputs.ts';
import { plainTemplate } from '../lib/plain-template.ts';

/**
 * `npm run infra:synth`: the stack as one plain CloudFormation template under infra/, offline,
 * for operators who deploy with CloudFormation (no CDK, no bootstrap).
 */
function main(): number {
  const outdir = mkdtempSync(join(tmpdir(), 'velvet-cdk-'));
  try {
    const { app, stack, warnings } = buildApp(process.env, outdir);
    for (const warning of warnings) console.warn(`warning: ${warning}`);
    const assembly = app.synth();
    const artifact = assembly.getStackArtifact(stack.artifactId);
    const errors = artifact.messages.filter((m) => m.level === 'error');
    for (const m of artifact.messages.filter((m) => m.level === 'warning')) console.warn(`warning: ${m.entry.data}`);
    if (errors.length > 0) {
      console.error(
        `The VelvetMedia stack is unsafe and was not written:\n${errors.map((m) => `  - ${m.entry.data}`).join('\n')}`,
      );
      return 1;
    }
    const file = join(import.meta.dirname, '..', `${stack.stackName}.template.json`);
    writeFileSync(file, `${JSON.stringify(plainTemplate(artifact.template as Record<string, unknown>), null, 2)}\n`);
    console.log(relative(process.cwd(), file) || file);
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
