import { Inject, Injectable, Logger, type OnApplicationBootstrap } from '@nestjs/common';
import { APP_CONFIG } from '../../config/config.module';
import type { AppConfig } from '../../config/config';
import { WebhookStore } from '../../ports/webhook-store';
import { openWithAny, seal } from './secret-box';

const PAGE = 100;

/**
 * A change of WEBHOOK_SECRET_KEY (the old key moved to WEBHOOK_SECRET_KEY_PREVIOUS): every
 * endpoint secret still sealed under an old key is sealed again under the current one, so the old
 * key can be dropped. Run by each worker at boot while old keys are configured; a row changed
 * meanwhile (a rotation) is left to its writer, and running twice does nothing the second time.
 */
@Injectable()
export class WebhookSecretResealer implements OnApplicationBootstrap {
  private readonly logger = new Logger(WebhookSecretResealer.name);

  constructor(
    private readonly store: WebhookStore,
    @Inject(APP_CONFIG) private readonly config: AppConfig,
  ) {}

  onApplicationBootstrap(): void {
    if (this.config.webhooks.previousSecretKeys.length === 0) return;
    this.resealAll().catch((error: unknown) =>
      this.logger.error(`resealing webhook secrets stopped: ${String(error)}; the next boot carries on`),
    );
  }

  /** How many endpoints were resealed, and how many no configured key opens. */
  async resealAll(): Promise<{ resealed: number; unreadable: number }> {
    const { secretKey, previousSecretKeys } = this.config.webhooks;
    const keys = [secretKey, ...previousSecretKeys];
    let resealed = 0;
    let unreadable = 0;
    let after: string | null = null;
    for (;;) {
      const page = await this.store.sealedSecretsPage(after, PAGE);
      for (const row of page) {
        try {
          const current = openWithAny(keys, row.current);
          const previous = row.previous ? openWithAny(keys, row.previous) : null;
          if (current.key === 0 && (previous?.key ?? 0) === 0) continue;
          const now = {
            current: seal(secretKey, current.secret),
            previous: previous ? seal(secretKey, previous.secret) : null,
          };
          if (await this.store.resealSecrets(row.id, row, now)) resealed++;
        } catch {
          unreadable++;
          this.logger.error(`webhook endpoint ${row.id}: no configured key opens its secret; rotate it`);
        }
      }
      if (page.length < PAGE) break;
      after = page.at(-1)!.id;
    }
    this.logger.log(
      `webhook secrets: ${resealed} resealed under WEBHOOK_SECRET_KEY, ${unreadable} unreadable; ` +
        (unreadable === 0 ? 'WEBHOOK_SECRET_KEY_PREVIOUS can be removed' : 'keep WEBHOOK_SECRET_KEY_PREVIOUS for now'),
    );
    return { resealed, unreadable };
  }
}
