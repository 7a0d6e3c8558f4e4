import './runtime/require-supported-node';
import 'reflect-metadata';
import { Logger } from '@nestjs/common';
import { resolve6 } from 'node:dns/promises';
import { createApiApp } from './api.app';
import { ConfigError, loadConfig, type AppConfig } from './config/config';
import { loadDotEnv } from './config/dotenv';
import { ipBindingWarning, playbackWarnings } from './config/playback-readiness';

async function main(): Promise<void> {
  loadDotEnv();
  const config = loadConfig(process.env, { requirePlayback: true });
  if (config.env === 'production') await warnAboutPlayback(config);
  const app = await createApiApp(config);
  await app.listen(config.http.port, '0.0.0.0');
}

/** What works today but fails some viewers: said once at boot, never a refusal. */
async function warnAboutPlayback(config: AppConfig): Promise<void> {
  const logger = new Logger('Playback');
  for (const warning of playbackWarnings(config.cloudfront.baseUrl, config.playback.cookieDomain)) logger.warn(warning);
  if (!config.playback.bindIp || !config.cloudfront.baseUrl) return;
  const host = new URL(config.cloudfront.baseUrl).hostname;
  // No answer (no AAAA, no DNS at boot) is no warning: the doctor checks this from outside too.
  const addresses = await resolve6(host).catch(() => [] as string[]);
  const warning = ipBindingWarning(host, addresses);
  if (warning) logger.warn(warning);
}

main().catch((error: unknown) => {
  // One readable message for configuration problems; a stack for anything else.
  console.error(error instanceof ConfigError ? error.message : error);
  process.exit(1);
});
