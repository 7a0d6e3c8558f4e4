import { generateKeyPairSync } from 'node:crypto';
import { mkdtempSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { App, Aspects, Stack } from 'aws-cdk-lib';
import { Template } from 'aws-cdk-lib/assertions';
import { readInputs } from '../lib/inputs.ts';
import { PrivateMediaGuard } from '../lib/private-media-guard.ts';
import { VelvetMediaStack } from '../lib/velvet-media-stack.ts';

// aws-cdk-lib validates every template on synth: off, it is five times faster (docs/aws.md, "Facts and traps").
process.env.CDK_VALIDATION = 'false';

export const keyDir = mkdtempSync(join(tmpdir(), 'velvet-infra-keys-'));

/** A fresh public key file: RSA-2048 by default, or P-256, or a private key to be refused. */
export function keyFile(name: string, kind: 'rsa' | 'ec' | 'rsa1024' | 'private' = 'rsa'): string {
  const pair =
    kind === 'ec'
      ? generateKeyPairSync('ec', { namedCurve: 'prime256v1' })
      : generateKeyPairSync('rsa', { modulusLength: kind === 'rsa1024' ? 1024 : 2048 });
  const file = join(keyDir, `${name}.pem`);
  writeFileSync(
    file,
    kind === 'private'
      ? pair.privateKey.export({ type: 'pkcs8', format: 'pem' })
      : pair.publicKey.export({ type: 'spki', format: 'pem' }),
  );
  return file;
}

export const APP_ORIGIN = 'https://app.example.com';
/** The api's load balancer certificate: required by the service stack, in the stacks' own region. */
export const API_CERTIFICATE = 'arn:aws:acm:eu-west-1:123456789012:certificate/12345678-1234-1234-1234-123456789012';

export function stackFrom(env: Record<string, string>): { stack: VelvetMediaStack; template: Template } {
  const app = new App();
  const stack = new VelvetMediaStack(
    app,
    'VelvetMedia',
    readInputs({ INFRA_APP_ORIGINS: APP_ORIGIN, INFRA_API_CERTIFICATE_ARN: API_CERTIFICATE, ...env }).inputs,
  );
  return { stack, template: Template.fromStack(stack) };
}

/** A stack for constructs built wrong on purpose, under the same guard as VelvetMedia. */
export function guardedStack(): { app: App; stack: Stack } {
  const app = new App();
  const stack = new Stack(app, 'Wrong');
  Aspects.of(stack).add(new PrivateMediaGuard());
  return { app, stack };
}
