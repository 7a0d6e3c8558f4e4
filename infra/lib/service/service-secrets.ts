import { Stack, Validations, aws_ecs as ecs, aws_secretsmanager as secretsmanager } from 'aws-cdk-lib';
import type { Construct } from 'constructs';
import type { DataStores } from './service-data-stores.ts';
import type { ServiceInputs } from './service-inputs.ts';

/** The secret names an operator creates before the first deploy, under the service stack's name. */
export const OPERATOR_SECRETS = {
  cloudfrontKey: 'cloudfront-private-key',
  jwt: 'jwt',
} as const;

/** The JSON keys of the `jwt` secret: Velvet's own setting names. */
export const JWT_SECRET_KEYS = ['JWT_JWKS_URL', 'JWT_ISSUER', 'JWT_AUDIENCE'] as const;

export interface ServiceSecrets {
  /** For the api: database, Redis, signing key, token verification, webhook sealing key. */
  readonly api: Record<string, ecs.Secret>;
  /** For the worker: database, Redis, webhook sealing key (it signs and verifies nothing). */
  readonly worker: Record<string, ecs.Secret>;
}

/**
 * Every secret a task needs, as ECS secrets: ECS reads them from Secrets Manager when it starts
 * the task, so the template, the task definition and the console hold no value. The CloudFront
 * private key and the JWT settings are the operator's (created once, by name); the webhook
 * sealing key is generated here and never leaves Secrets Manager.
 */
export function serviceSecrets(scope: Construct, inputs: ServiceInputs, stores: DataStores): ServiceSecrets {
  const named = (id: string, arn: string | null, name: string) =>
    arn
      ? secretsmanager.Secret.fromSecretCompleteArn(scope, id, arn)
      : secretsmanager.Secret.fromSecretNameV2(scope, id, `${Stack.of(scope).stackName}/${name}`);
  const cloudfrontKey = named('CloudFrontKeySecret', inputs.cloudfrontKeySecretArn, OPERATOR_SECRETS.cloudfrontKey);
  const jwt = named('JwtSecret', inputs.jwtSecretArn, OPERATOR_SECRETS.jwt);
  const webhookKey = new secretsmanager.Secret(scope, 'WebhookSecretKey', {
    secretName: `${Stack.of(scope).stackName}/webhook-secret-key`,
    description: "Velvet's WEBHOOK_SECRET_KEY: seals the webhook endpoints' signing secrets in the database",
    // 43 letters and digits carry 256 bits and base64-decode to exactly 32 bytes, the key Velvet takes.
    generateSecretString: { passwordLength: 43, excludePunctuation: true, includeSpace: false },
  });
  Validations.of(webhookKey).acknowledge({
    id: 'AwsSolutions-SMG4',
    reason:
      'A new sealing key must be paired with WEBHOOK_SECRET_KEY_PREVIOUS until the worker reseals every secret; docs/aws.md gives that rotation, which a rotation Lambda cannot do.',
  });

  const db = stores.databaseSecret;
  const shared: Record<string, ecs.Secret> = {
    DATABASE_HOST: ecs.Secret.fromSecretsManager(db, 'host'),
    DATABASE_PORT: ecs.Secret.fromSecretsManager(db, 'port'),
    DATABASE_NAME: ecs.Secret.fromSecretsManager(db, 'dbname'),
    DATABASE_USER: ecs.Secret.fromSecretsManager(db, 'username'),
    DATABASE_PASSWORD: ecs.Secret.fromSecretsManager(db, 'password'),
    WEBHOOK_SECRET_KEY: ecs.Secret.fromSecretsManager(webhookKey),
    ...(stores.redisSecret ? { REDIS_PASSWORD: ecs.Secret.fromSecretsManager(stores.redisSecret) } : {}),
    // Only while the sealing key changes: the worker reseals what the old key sealed (docs/aws.md).
    ...(inputs.previousWebhookKeySecretArn
      ? {
          WEBHOOK_SECRET_KEY_PREVIOUS: ecs.Secret.fromSecretsManager(
            secretsmanager.Secret.fromSecretCompleteArn(
              scope,
              'PreviousWebhookKey',
              inputs.previousWebhookKeySecretArn,
            ),
          ),
        }
      : {}),
  };
  return {
    api: {
      ...shared,
      CLOUDFRONT_PRIVATE_KEY: ecs.Secret.fromSecretsManager(cloudfrontKey),
      ...Object.fromEntries(JWT_SECRET_KEYS.map((key) => [key, ecs.Secret.fromSecretsManager(jwt, key)])),
    },
    worker: shared,
  };
}
