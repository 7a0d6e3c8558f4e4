import type { Entitlement } from '../../domain/entitlement';
import { DomainError } from '../../domain/errors';

/** The paywall's refusal as the api answers it (a session, a download): a hidden video does not exist. */
export function refusal(
  reason: Extract<Entitlement, { allowed: false }>['reason'],
  action: 'watch' | 'download',
): DomainError {
  if (reason === 'hidden') return new DomainError('not_found', 'No such video.');
  if (reason === 'unauthenticated')
    return new DomainError('unauthorized', `A bearer token is required to ${action} this video.`);
  if (reason === 'not_available') return new DomainError('not_available', 'This video is no longer available.');
  return new DomainError('not_entitled', `You are not entitled to ${action} this video.`);
}
