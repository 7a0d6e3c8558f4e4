import { Fn, RemovalPolicy, aws_ec2 as ec2, aws_logs as logs } from 'aws-cdk-lib';
import type { Construct } from 'constructs';
import type { ServiceInputs } from './service-inputs.ts';

export interface ServiceNetwork {
  readonly vpc: ec2.IVpc;
  /** The load balancer's. */
  readonly publicSubnets: ec2.SubnetSelection;
  /** The tasks', the database's and the cache's: no address reachable from the internet. */
  readonly privateSubnets: ec2.SubnetSelection;
}

/**
 * A new VPC over two availability zones (public subnets for the load balancer, private ones
 * with NAT for the tasks, which reach S3, Secrets Manager, ECR and webhook endpoints), or an
 * existing VPC by its ids. Taking ids keeps the synth offline: a lookup would need credentials.
 */
export function serviceNetwork(scope: Construct, inputs: ServiceInputs): ServiceNetwork {
  if (inputs.vpc) {
    const { id, publicSubnets, privateSubnets } = inputs.vpc;
    const vpc = ec2.Vpc.fromVpcAttributes(scope, 'Vpc', {
      vpcId: id,
      // Zone names only group the subnets here; the ids are what every resource is placed by.
      availabilityZones: publicSubnets.map((_, i) => Fn.select(i, Fn.getAzs())),
      publicSubnetIds: publicSubnets,
      privateSubnetIds: privateSubnets,
    });
    const subnets = (ids: string[], kind: string): ec2.SubnetSelection => ({
      subnets: ids.map((subnetId) => ec2.Subnet.fromSubnetId(scope, `${kind}${subnetId}`, subnetId)),
    });
    return { vpc, publicSubnets: subnets(publicSubnets, 'Public'), privateSubnets: subnets(privateSubnets, 'Private') };
  }
  const vpc = new ec2.Vpc(scope, 'Vpc', {
    maxAzs: 2,
    natGateways: inputs.natGateways,
    subnetConfiguration: [
      { name: 'public', subnetType: ec2.SubnetType.PUBLIC, cidrMask: 24 },
      { name: 'private', subnetType: ec2.SubnetType.PRIVATE_WITH_EGRESS, cidrMask: 20 },
    ],
    // Refused connections only: what an investigation needs, at a fraction of logging all traffic.
    flowLogs: {
      rejected: {
        trafficType: ec2.FlowLogTrafficType.REJECT,
        destination: ec2.FlowLogDestination.toCloudWatchLogs(
          new logs.LogGroup(scope, 'FlowLogs', {
            retention: inputs.logRetentionDays as logs.RetentionDays,
            removalPolicy: RemovalPolicy.DESTROY,
          }),
        ),
      },
    },
  });
  // S3 traffic (sources in, ladders out) through a gateway endpoint: free, where NAT bills per GB.
  vpc.addGatewayEndpoint('S3', { service: ec2.GatewayVpcEndpointAwsService.S3 });
  return {
    vpc,
    publicSubnets: { subnetType: ec2.SubnetType.PUBLIC },
    privateSubnets: { subnetType: ec2.SubnetType.PRIVATE_WITH_EGRESS },
  };
}
