import { ConsoleLogger, type LogLevel } from '@nestjs/common';
import type { AppConfig } from './config/config';

const LEVELS: LogLevel[] = ['fatal', 'error', 'warn', 'log', 'debug', 'verbose'];

/** JSON lines in production (one object per line, for log shippers), readable text otherwise. */
export function createLogger(config: Pick<AppConfig, 'env' | 'logLevel'>, context?: string): ConsoleLogger {
  const logLevels = LEVELS.slice(0, LEVELS.indexOf(config.logLevel) + 1);
  return new ConsoleLogger(context ?? 'Velvet', { json: config.env === 'production', logLevels });
}
