import {
  Global,
  Inject,
  Injectable,
  Logger,
  Module,
  type DynamicModule,
  type OnApplicationShutdown,
} from '@nestjs/common';
import { Redis } from 'ioredis';
import type { AppConfig } from '../config/config';
import { CdnSigner } from '../ports/cdn-signer';
import { Clock } from '../ports/clock';
import { GrantStore } from '../ports/grant-store';
import { RateLimiter } from '../ports/rate-limiter';
import { JobQueue } from '../ports/job-queue';
import { MediaToolkit } from '../ports/media-toolkit';
import { ObjectStorage } from '../ports/object-storage';
import { TokenVerifier } from '../ports/token-verifier';
import { VideoStore } from '../ports/video-store';
import { WebhookQueue } from '../ports/webhook-queue';
import { WebhookSender } from '../ports/webhook-sender';
import { WebhookStore } from '../ports/webhook-store';
import { BullmqWebhookQueue } from './bullmq.webhook-queue';
import { CollectionStore } from '../ports/collection-store';
import { EntitlementBus } from '../ports/entitlement-bus';
import { StreamLeases } from '../ports/stream-leases';
import { PostgresCollectionStore } from './postgres/postgres.collection-store';
import { RedisEntitlementBus } from './redis.entitlement-bus';
import { RedisStreamLeases } from './redis.stream-leases';
import { HttpWebhookSender } from './http.webhook-sender';
import { PostgresWebhookStore } from './postgres/postgres.webhook-store';
import { BullmqJobQueue, REDIS_PRODUCER } from './bullmq.job-queue';
import { CloudfrontCdnSigner } from './cloudfront.cdn-signer';
import { FfmpegMediaToolkit } from './ffmpeg.media-toolkit';
import { JoseTokenVerifier } from './jose.token-verifier';
import { migrate } from './postgres/migrator';
import { PostgresGrantStore } from './postgres/postgres.grant-store';
import { PostgresVideoStore, SQL_CLIENT } from './postgres/postgres.video-store';
import { PostgresCaptionStore } from './postgres/postgres.caption-store';
import { PostgresAnalyticsStore } from './postgres/postgres.analytics-store';
import { AnalyticsStore } from '../ports/analytics-store';
import { BullmqQueueStats } from './bullmq.queue-stats';
import { PrometheusMetrics } from './prometheus.metrics';
import { Metrics } from '../ports/metrics';
import { QueueStats } from '../ports/queue-stats';
import { CaptionStore } from '../ports/caption-store';
import { RedisRateLimiter } from './redis.rate-limiter';
import { createPgClient, createPgliteClient, type SqlClient } from './postgres/sql-client';
import { createS3Clients, type S3Clients } from './s3/s3-clients';
import { S3_BUCKET, S3_CLIENTS, S3ObjectStorage } from './s3/s3.object-storage';
import { SystemClock } from './system.clock';
import { TaskProtection } from '../ports/task-protection';
import { EcsTaskProtection } from './ecs.task-protection';

async function openDatabase(config: AppConfig): Promise<SqlClient> {
  const { url, embeddedDir } = config.database;
  const sql = url ? createPgClient(url) : await createPgliteClient(embeddedDir ?? '.data/pglite');
  const applied = await migrate(sql);
  if (applied.length > 0) new Logger('Database').log(`applied migrations: ${applied.join(', ')}`);
  return sql;
}

/** Closes the database and S3 clients at shutdown (the job queue closes its own Redis). */
@Injectable()
class AdaptersShutdown implements OnApplicationShutdown {
  constructor(
    @Inject(SQL_CLIENT) private readonly sql: SqlClient,
    @Inject(S3_CLIENTS) private readonly s3: S3Clients,
  ) {}

  async onApplicationShutdown(): Promise<void> {
    this.s3.data.destroy();
    this.s3.presigner.destroy();
    await this.sql.close();
  }
}

/** Binds every port to its adapter; the only place that knows which technology backs what. */
@Global()
@Module({})
export class AdaptersModule {
  static forRoot(config: AppConfig): DynamicModule {
    return {
      module: AdaptersModule,
      providers: [
        { provide: SQL_CLIENT, useFactory: () => openDatabase(config) },
        {
          provide: REDIS_PRODUCER,
          // Producers fail fast when Redis is down (no offline queue), so a request answers 503
          // instead of hanging; the caller's state change is rolled back.
          useFactory: () => new Redis(config.redis.url, { enableOfflineQueue: false, maxRetriesPerRequest: 1 }),
        },
        { provide: S3_CLIENTS, useFactory: () => createS3Clients(config.s3) },
        { provide: S3_BUCKET, useValue: config.s3.bucket },
        { provide: VideoStore, useClass: PostgresVideoStore },
        { provide: ObjectStorage, useClass: S3ObjectStorage },
        { provide: JobQueue, useClass: BullmqJobQueue },
        { provide: TokenVerifier, useClass: JoseTokenVerifier },
        { provide: Clock, useClass: SystemClock },
        { provide: MediaToolkit, useClass: FfmpegMediaToolkit },
        { provide: GrantStore, useClass: PostgresGrantStore },
        { provide: CdnSigner, useClass: CloudfrontCdnSigner },
        { provide: RateLimiter, useClass: RedisRateLimiter },
        { provide: WebhookStore, useClass: PostgresWebhookStore },
        { provide: WebhookSender, useClass: HttpWebhookSender },
        { provide: WebhookQueue, useClass: BullmqWebhookQueue },
        { provide: CollectionStore, useClass: PostgresCollectionStore },
        { provide: EntitlementBus, useClass: RedisEntitlementBus },
        { provide: StreamLeases, useClass: RedisStreamLeases },
        { provide: CaptionStore, useClass: PostgresCaptionStore },
        { provide: AnalyticsStore, useClass: PostgresAnalyticsStore },
        { provide: QueueStats, useClass: BullmqQueueStats },
        { provide: Metrics, useClass: PrometheusMetrics },
        { provide: TaskProtection, useClass: EcsTaskProtection },
        AdaptersShutdown,
      ],
      exports: [
        VideoStore,
        ObjectStorage,
        JobQueue,
        TokenVerifier,
        Clock,
        MediaToolkit,
        GrantStore,
        CdnSigner,
        RateLimiter,
        WebhookStore,
        WebhookSender,
        WebhookQueue,
        CollectionStore,
        EntitlementBus,
        StreamLeases,
        AnalyticsStore,
        CaptionStore,
        QueueStats,
        Metrics,
        TaskProtection,
        SQL_CLIENT,
      ],
    };
  }
}
