import { z } from 'zod';
import { VIDEO_EVENT_TYPES } from '../../domain/video-events';
import type { DeliveryAttemptText, WebhookDelivery, WebhookEndpoint } from '../../ports/webhook-store';
import { pageQuery } from './video.dto';

const events = z.array(z.enum(VIDEO_EVENT_TYPES)).min(1).max(VIDEO_EVENT_TYPES.length);
const description = z
  .string()
  .trim()
  .max(500)
  .regex(/^[^\p{Cc}]*$/u, 'must not contain control characters');
const url = z.string().trim().min(1).max(2048);

export const createWebhookBody = z.strictObject({
  url,
  events: events.optional(),
  description: description.optional(),
  scope: z.enum(['own', 'all']).optional(),
});

export const updateWebhookBody = z
  .strictObject({
    url: url.optional(),
    events: events.nullable().optional(),
    description: description.nullable().optional(),
    enabled: z.boolean().optional(),
  })
  .refine((b) => Object.keys(b).length > 0, 'give url, events, description or enabled');

export const listDeliveriesQuery = z.strictObject({
  status: z.enum(['pending', 'succeeded', 'failed']).optional(),
  ...pageQuery,
});

export interface WebhookJson {
  id: string;
  url: string;
  events: readonly string[];
  description: string | null;
  scope: 'own' | 'all';
  createdAt: string;
  disabledAt: string | null;
}

export function presentWebhook(e: WebhookEndpoint): WebhookJson {
  return {
    id: e.id,
    url: e.url,
    events: e.events ?? [...VIDEO_EVENT_TYPES],
    description: e.description,
    scope: e.scope,
    createdAt: e.createdAt.toISOString(),
    disabledAt: e.disabledAt?.toISOString() ?? null,
  };
}

export interface DeliveryJson {
  id: string;
  eventId: string;
  type: string;
  attempt: number;
  status: WebhookDelivery['status'];
  responseStatus: number | null;
  durationMs: number | null;
  error: string | null;
  nextAttemptAt: string | null;
  /** Every try, oldest first: when, the answer's status, how long, and what went wrong. */
  attempts: DeliveryAttemptText[];
  createdAt: string;
}

export function presentDelivery(d: WebhookDelivery): DeliveryJson {
  return {
    id: d.id,
    eventId: d.eventId,
    type: d.type,
    attempt: d.attempt,
    status: d.status,
    responseStatus: d.responseStatus,
    durationMs: d.durationMs,
    error: d.error,
    nextAttemptAt: d.status === 'pending' ? (d.nextAttemptAt?.toISOString() ?? null) : null,
    attempts: d.attempts.map((a) => ({ ...a, at: a.at.toISOString() })),
    createdAt: d.createdAt.toISOString(),
  };
}
