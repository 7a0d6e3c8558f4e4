import { Validations } from 'aws-cdk-lib';
import { AwsSolutionsChecks } from 'cdk-nag';
import { buildApp } from '../lib/app.ts';
process.env.CDK_VALIDATION='false';
const extra = JSON.parse(process.argv[3] ?? '{}');
const { app } = buildApp({ INFRA_PUBLIC_KEYS: process.argv[2], INFRA_APP_ORIGINS: 'https://app.example.com', INFRA_API_CERTIFICATE_ARN: 'arn:aws:acm:eu-west-1:123456789012:certificate/12345678-1234-1234-1234-123456789012', ...extra }, '/tmp/cdkout2');
Validations.of(app).addPlugins(new AwsSolutionsChecks(app));
try { app.synth(); console.log('clean'); } catch (e) { console.log(String(e.message ?? e).slice(0, 20000)); }
