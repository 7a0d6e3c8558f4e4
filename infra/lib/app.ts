import { App, LegacyStackSynthesizer } from 'aws-cdk-lib';
import { readInputs, type ReadInputs } from './inputs.ts';
import { VelvetMediaStack } from './velvet-media-stack.ts';
import { VelvetServiceStack } from './service/velvet-service-stack.ts';

export interface BuiltApp {
  readonly app: App;
  readonly stack: VelvetMediaStack;
  readonly service: VelvetServiceStack;
  readonly warnings: ReadInputs['warnings'];
}

/**
 * The CDK app, shared by `cdk` (deploy) and the plain-template synth. The legacy synthesizer
 * names no bootstrap roles or asset bucket: `cdk deploy` sends the template inline (it is far
 * under CloudFormation's 51,200 bytes and has no assets) with the caller's own credentials, so
 * no `cdk bootstrap` is needed.
 */
export function buildApp(env: Record<string, string | undefined>, outdir?: string): BuiltApp {
  const app = new App({
    outdir,
    analyticsReporting: false,
    context: {
      'aws:cdk:enable-path-metadata': false,
      'aws:cdk:version-reporting': false,
      // The service stack imports the bucket, the CDN and the policies: the media stack cannot
      // drop an export the service stack still uses.
      '@aws-cdk/core:defaultCrossStackReferences': 'strong',
    },
  });
  const { inputs, service: serviceInputs, warnings } = readInputs(env, (name) => app.node.tryGetContext(name));
  const stack = new VelvetMediaStack(app, inputs.stackName, inputs, { synthesizer: new LegacyStackSynthesizer() });
  const service = new VelvetServiceStack(app, serviceInputs.stackName, stack, serviceInputs, {
    synthesizer: new LegacyStackSynthesizer(),
  });
  return { app, stack, service, warnings };
}
