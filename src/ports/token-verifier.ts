import type { Actor } from '../domain/video';

/** Turns a bearer token into an Actor; throws DomainError `unauthorized` for any bad token. */
export abstract class TokenVerifier {
  abstract verify(token: string): Promise<Actor>;
}
