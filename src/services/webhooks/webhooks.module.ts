import { Module } from '@nestjs/common';
import { WebhooksService } from './webhooks.service';

/** Api side: a creator's webhook endpoints and their deliveries. */
@Module({ providers: [WebhooksService], exports: [WebhooksService] })
export class WebhooksModule {}
