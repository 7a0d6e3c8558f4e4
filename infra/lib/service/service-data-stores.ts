import {
  Duration,
  RemovalPolicy,
  Stack,
  Validations,
  aws_ec2 as ec2,
  aws_elasticache as elasticache,
  aws_logs as logs,
  aws_rds as rds,
  aws_secretsmanager as secretsmanager,
} from 'aws-cdk-lib';
import type { Construct } from 'constructs';
import type { ServiceNetwork } from './service-network.ts';
import type { ServiceInputs } from './service-inputs.ts';

export interface DataStores {
  /** RDS format: host, port, dbname, username, password (each passed to the tasks as its own secret). */
  readonly databaseSecret: secretsmanager.ISecret;
  /** rediss://host:port, no password. */
  readonly redisUrl: string;
  /** The auth token, when the Redis has one. */
  readonly redisSecret: secretsmanager.ISecret | null;
  /** The tasks' security group: the data stores let it in, nothing else. */
  readonly clientGroup: ec2.SecurityGroup;
}

const POSTGRES_PORT = 5432;
const REDIS_PORT = 6379;

/** PostgreSQL (the system of record) and Redis (the queues, which BullMQ needs never evicted). */
export function dataStores(scope: Construct, network: ServiceNetwork, inputs: ServiceInputs): DataStores {
  const { vpc, privateSubnets } = network;
  const clientGroup = new ec2.SecurityGroup(scope, 'TasksSecurityGroup', {
    vpc,
    description: 'Velvet api and worker tasks (the data stores admit this group)',
  });
  const databaseSecret = inputs.databaseSecretArn
    ? secretsmanager.Secret.fromSecretCompleteArn(scope, 'DatabaseSecret', inputs.databaseSecretArn)
    : database(scope, network, inputs, clientGroup);
  if (inputs.redis) {
    return {
      databaseSecret,
      redisUrl: inputs.redis.url,
      redisSecret: inputs.redis.secretArn
        ? secretsmanager.Secret.fromSecretCompleteArn(scope, 'RedisSecret', inputs.redis.secretArn)
        : null,
      clientGroup,
    };
  }

  const name = Stack.of(scope).stackName.toLowerCase();
  const token = new secretsmanager.Secret(scope, 'RedisAuthToken', {
    secretName: `${Stack.of(scope).stackName}/redis-auth-token`,
    description: "Velvet's ElastiCache auth token (REDIS_PASSWORD)",
    // ElastiCache takes 16 to 128 printable characters, without @, " or /.
    generateSecretString: { passwordLength: 64, excludePunctuation: true, includeSpace: false },
  });
  Validations.of(token).acknowledge({
    id: 'AwsSolutions-SMG4',
    reason:
      'ElastiCache changes an auth token only through ModifyReplicationGroup (ROTATE, then SET), which a Secrets Manager rotation cannot drive alone; docs/aws.md gives the rotation steps.',
  });
  const group = new ec2.SecurityGroup(scope, 'CacheSecurityGroup', { vpc, description: 'Velvet Redis' });
  group.addIngressRule(clientGroup, ec2.Port.tcp(REDIS_PORT), 'Velvet tasks');
  const subnets = new elasticache.CfnSubnetGroup(scope, 'CacheSubnets', {
    description: "Velvet's Redis, in the private subnets",
    cacheSubnetGroupName: `${name}-cache`,
    subnetIds: vpc.selectSubnets(privateSubnets).subnetIds,
  });
  const parameters = new elasticache.CfnParameterGroup(scope, 'CacheParameters', {
    cacheParameterGroupFamily: 'valkey8',
    description: 'BullMQ: never evict a key (an evicted job is lost work)',
    properties: { 'maxmemory-policy': 'noeviction' },
  });
  const cache = new elasticache.CfnReplicationGroup(scope, 'Cache', {
    replicationGroupDescription: "Velvet's queues (BullMQ), rate limits and stream leases",
    engine: 'valkey',
    engineVersion: '8.0',
    cacheNodeType: inputs.cacheNodeType,
    numCacheClusters: inputs.multiAz ? 2 : 1,
    automaticFailoverEnabled: inputs.multiAz,
    multiAzEnabled: inputs.multiAz,
    transitEncryptionEnabled: true,
    atRestEncryptionEnabled: true,
    // A dynamic reference: CloudFormation reads the token from Secrets Manager, the template holds none.
    authToken: token.secretValue.unsafeUnwrap(),
    cacheSubnetGroupName: subnets.ref,
    cacheParameterGroupName: parameters.ref,
    securityGroupIds: [group.securityGroupId],
    port: REDIS_PORT,
    autoMinorVersionUpgrade: true,
  });
  if (!inputs.multiAz)
    Validations.of(cache).acknowledge({
      id: 'AwsSolutions-AEC4',
      reason:
        'INFRA_MULTI_AZ=false was chosen (a small deployment); losing the node loses queued jobs, which the reconcile sweep rebuilds from PostgreSQL.',
    });
  Validations.of(cache).acknowledge({
    id: 'AwsSolutions-AEC5',
    reason:
      'The default port is kept: the cache admits only the tasks security group, and a port number hides nothing.',
  });
  return {
    databaseSecret,
    redisUrl: `rediss://${cache.attrPrimaryEndPointAddress}:${cache.attrPrimaryEndPointPort}`,
    redisSecret: token,
    clientGroup,
  };
}

function database(
  scope: Construct,
  network: ServiceNetwork,
  inputs: ServiceInputs,
  clientGroup: ec2.SecurityGroup,
): secretsmanager.ISecret {
  const group = new ec2.SecurityGroup(scope, 'DatabaseSecurityGroup', {
    vpc: network.vpc,
    description: 'Velvet PostgreSQL',
  });
  group.addIngressRule(clientGroup, ec2.Port.tcp(POSTGRES_PORT), 'Velvet tasks');
  const instanceIdentifier = `${Stack.of(scope).stackName.toLowerCase()}-db`;
  // Made here with its retention, before RDS writes to it: RDS's own retention option needs a
  // helper Lambda, which would make the template need an asset bucket.
  const logGroup = new logs.LogGroup(scope, 'DatabaseLogs', {
    logGroupName: `/aws/rds/instance/${instanceIdentifier}/postgresql`,
    retention: inputs.logRetentionDays as logs.RetentionDays,
    removalPolicy: RemovalPolicy.RETAIN,
  });
  const instance = new rds.DatabaseInstance(scope, 'Database', {
    instanceIdentifier,
    engine: rds.DatabaseInstanceEngine.postgres({ version: rds.PostgresEngineVersion.VER_17 }),
    instanceType: new ec2.InstanceType(inputs.databaseInstanceClass),
    vpc: network.vpc,
    vpcSubnets: network.privateSubnets,
    securityGroups: [group],
    credentials: rds.Credentials.fromGeneratedSecret('velvet', {
      secretName: `${Stack.of(scope).stackName}/database`,
    }),
    databaseName: 'velvet',
    port: POSTGRES_PORT,
    multiAz: inputs.multiAz,
    storageEncrypted: true,
    storageType: rds.StorageType.GP3,
    allocatedStorage: 20,
    maxAllocatedStorage: 200,
    backupRetention: Duration.days(7),
    deletionProtection: true,
    removalPolicy: RemovalPolicy.SNAPSHOT,
    autoMinorVersionUpgrade: true,
    publiclyAccessible: false,
    cloudwatchLogsExports: ['postgresql'],
  });
  instance.node.addDependency(logGroup);
  Validations.of(instance).acknowledge({
    id: 'AwsSolutions-RDS11',
    reason:
      'The default port is kept: the database admits only the tasks security group, and a port number hides nothing.',
  });
  if (!inputs.multiAz)
    Validations.of(instance).acknowledge({
      id: 'AwsSolutions-RDS3',
      reason:
        'INFRA_MULTI_AZ=false was chosen (a small deployment); backups are kept 7 days and deletion makes a snapshot.',
    });
  // On the instance: its `secret` is the attachment, a sibling of the secret resource.
  Validations.of(instance).acknowledge({
    id: 'AwsSolutions-SMG4',
    reason:
      'Tasks read the password when they start: a rotation would cut running tasks off until they restart. Rotate by hand with a service redeploy (docs/aws.md).',
  });
  return instance.secret!;
}
