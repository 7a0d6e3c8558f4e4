import { Module } from '@nestjs/common';
import { CreatorLimits } from '../shared/creator-limits';
import { WebhooksService } from './webhooks.service';

/** Api side: a creator's webhook endpoints and their deliveries. */
@Module({ providers: [WebhooksService, CreatorLimits], exports: [WebhooksService] })
export class WebhooksModule {}
