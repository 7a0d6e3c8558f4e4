import { Module } from '@nestjs/common';
import { WebhookDeliveryService } from './webhook-delivery.service';
import { WebhookRelayLoop } from './webhook-relay.loop';
import { WebhookRelayService } from './webhook-relay.service';
import { WebhookSecretResealer } from './webhook-secret-resealer';

/** Worker side: the outbox relayed into deliveries, and each delivery's tries. */
@Module({
  providers: [WebhookRelayService, WebhookRelayLoop, WebhookDeliveryService, WebhookSecretResealer],
  exports: [WebhookRelayService, WebhookDeliveryService, WebhookSecretResealer],
})
export class WebhookDeliveryModule {}
