import { canAct, type Actor, type Video } from './video';

/** A grant from the paywall: this user may watch this video, until `expiresAt` if set. */
export interface Grant {
  readonly videoId: string;
  readonly userId: string;
  readonly expiresAt: Date | null;
  readonly createdAt: Date;
  /** `rental`: `rentalSeconds` from the first session, which must start by `startBy`. */
  readonly kind: 'purchase' | 'rental';
  readonly rentalSeconds: number | null;
  readonly startBy: Date | null;
  readonly startedAt: Date | null;
  /** The grant includes saving the MP4 (never a rental's). */
  readonly download: boolean;
}

/** What can let a viewer in besides the token: their grant on the video, their collection grants covering it. */
export interface EntitlementFacts {
  readonly videoGrant: Grant | null;
  /** Expiries of the viewer's collection grants that cover this video (null: forever). */
  readonly collectionGrants: ReadonlyArray<{
    readonly collectionId: string;
    readonly expiresAt: Date | null;
    readonly download: boolean;
  }>;
}

export const NO_FACTS: EntitlementFacts = { videoGrant: null, collectionGrants: [] };

export type Entitlement =
  | {
      readonly allowed: true;
      /** Caps the cookies' expiry (a grant's end, a rental's end, a takedown). */
      readonly until: Date | null;
      /** A premiere: the cookies are valid only from this moment (DateGreaterThan). */
      readonly notBefore: Date | null;
      /** A rental whose clock the caller must start now (atomically, once). */
      readonly startsRental: boolean;
    }
  | { readonly allowed: false; readonly reason: 'hidden' | 'unauthenticated' | 'not_entitled' | 'not_available' };

type Viewer = (Actor & { readonly entitlements?: readonly string[] }) | null;

/**
 * The paywall, one pure decision. public: anyone; private: owner and admins only (to anyone
 * else the video does not exist); paid: owner, admins, the token's `entitlements` claim (the
 * video id or "*"), a live grant on the video, or a live grant on a collection holding it.
 * Owners and admins are never held by the availability window; everyone else is.
 */
export function decideEntitlement(
  video: Pick<Video, 'id' | 'access' | 'ownerId' | 'availableFrom' | 'availableUntil'>,
  viewer: Viewer,
  facts: EntitlementFacts,
  now: Date,
): Entitlement {
  if (viewer && canAct(viewer, video)) return { allowed: true, until: null, notBefore: null, startsRental: false };
  if (video.access === 'private') return { allowed: false, reason: 'hidden' };
  if (video.access !== 'public' && !viewer) return { allowed: false, reason: 'unauthenticated' };
  const unlimited =
    video.access === 'public' || Boolean(viewer?.entitlements?.some((e) => e === video.id || e === '*'));
  const access = unlimited ? { until: null, startsRental: false } : bestGrant(facts, now);
  if (!access) return { allowed: false, reason: 'not_entitled' };
  if (video.availableUntil && now >= video.availableUntil) return { allowed: false, reason: 'not_available' };
  const until = earliest(access.until, video.availableUntil);
  const notBefore = video.availableFrom && now < video.availableFrom ? video.availableFrom : null;
  return { allowed: true, until, notBefore, startsRental: access.startsRental };
}

/**
 * Whether a viewer the paywall lets in may also save the MP4: owners, admins, a public video,
 * the token's `entitlements` claim, or a live purchase or collection grant made with `download`.
 * A rental never includes it.
 */
export function mayDownload(
  video: Pick<Video, 'id' | 'access' | 'ownerId'>,
  viewer: Viewer,
  facts: EntitlementFacts,
  now: Date,
): boolean {
  if (viewer && canAct(viewer, video)) return true;
  if (video.access === 'public' || viewer?.entitlements?.some((e) => e === video.id || e === '*')) return true;
  const live = (expiresAt: Date | null) => expiresAt === null || expiresAt > now;
  const grant = facts.videoGrant;
  if (grant?.kind === 'purchase' && grant.download && live(grant.expiresAt)) return true;
  return facts.collectionGrants.some((c) => c.download && live(c.expiresAt));
}

/** The longest-lasting live access among the viewer's grants. */
function bestGrant(facts: EntitlementFacts, now: Date): { until: Date | null; startsRental: boolean } | null {
  const options: Array<{ until: Date | null; startsRental: boolean }> = [];
  const grant = facts.videoGrant;
  if (grant) {
    const live = grant.expiresAt === null || grant.expiresAt > now;
    if (grant.kind === 'purchase' && live) options.push({ until: grant.expiresAt, startsRental: false });
    if (grant.kind === 'rental' && live) {
      const rental = rentalWindow(grant, now);
      if (rental) options.push({ until: earliest(rental.endsAt, grant.expiresAt), startsRental: rental.starts });
    }
  }
  for (const c of facts.collectionGrants)
    if (c.expiresAt === null || c.expiresAt > now) options.push({ until: c.expiresAt, startsRental: false });
  if (options.length === 0) return null;
  // Forever beats any date; otherwise the latest end. A running access beats starting a rental.
  return options.sort((a, b) => rank(b) - rank(a))[0]!;
}

function rank(o: { until: Date | null; startsRental: boolean }): number {
  return (o.until === null ? Number.MAX_SAFE_INTEGER : o.until.getTime()) - (o.startsRental ? 1 : 0);
}

/** A rental's end: from its start, or from now if this session starts it; null when dead. */
export function rentalWindow(
  grant: Pick<Grant, 'rentalSeconds' | 'startBy' | 'startedAt'>,
  now: Date,
): { endsAt: Date; starts: boolean } | null {
  const seconds = grant.rentalSeconds ?? 0;
  if (grant.startedAt) {
    const endsAt = new Date(grant.startedAt.getTime() + seconds * 1000);
    return endsAt > now ? { endsAt, starts: false } : null;
  }
  if (grant.startBy && now > grant.startBy) return null;
  return { endsAt: new Date(now.getTime() + seconds * 1000), starts: true };
}

/** What a grant reports: `endsAt` is when access ends as of now (a rental's end once started). */
export function grantEndsAt(grant: Grant): Date | null {
  if (grant.kind === 'rental' && grant.startedAt)
    return earliest(new Date(grant.startedAt.getTime() + (grant.rentalSeconds ?? 0) * 1000), grant.expiresAt);
  return grant.expiresAt;
}

function earliest(a: Date | null, b: Date | null): Date | null {
  if (!a) return b;
  if (!b) return a;
  return a < b ? a : b;
}
