import { join } from 'node:path';
import { aws_ecr as ecr, aws_ecr_assets as ecrAssets, aws_ecs as ecs } from 'aws-cdk-lib';
import type { Construct } from 'constructs';
import type { ServiceInputs } from './service-inputs.ts';

const ECR_IMAGE =
  /^(\d{12})\.dkr\.ecr\.([a-z0-9-]+)\.amazonaws\.com(?:\.cn)?\/([a-z0-9._/-]+)(?::([A-Za-z0-9_.-]+)|@(sha256:[0-9a-f]{64}))$/;

/** The repository root, where the Dockerfile is. */
export const REPOSITORY_ROOT = join(import.meta.dirname, '..', '..', '..');

/**
 * The api's or the worker's image: a pushed reference (an ECR one gets pull rights on its
 * repository only), or by default an image asset built from the root Dockerfile's target,
 * which `cdk deploy` builds and pushes.
 */
export function serviceImage(scope: Construct, inputs: ServiceInputs, target: 'api' | 'worker'): ecs.ContainerImage {
  const reference = inputs.images?.[target];
  if (!reference) {
    return ecs.ContainerImage.fromAsset(REPOSITORY_ROOT, {
      target,
      platform: ecrAssets.Platform.LINUX_AMD64,
    });
  }
  const ecrImage = ECR_IMAGE.exec(reference);
  if (!ecrImage) return ecs.ContainerImage.fromRegistry(reference);
  const [, account, region, name, tag, digest] = ecrImage;
  const repository = ecr.Repository.fromRepositoryAttributes(scope, `${target}Repository`, {
    repositoryName: name!,
    repositoryArn: `arn:aws:ecr:${region}:${account}:repository/${name}`,
  });
  return ecs.ContainerImage.fromEcrRepository(repository, tag ?? digest);
}
