import { Body, Controller, Delete, Get, HttpCode, Inject, Param, Post, Put, Req, Res } from '@nestjs/common';
import { ApiBearerAuth, ApiOperation, ApiTags } from '@nestjs/swagger';
import type { FastifyReply, FastifyRequest } from 'fastify';
import { z } from 'zod';
import { APP_CONFIG } from '../config/config.module';
import type { AppConfig } from '../config/config';
import { signedQuery as signedQueryOf } from '../domain/cloudfront-encoding';
import { presentGrant as grantJson } from '../domain/video-events';
import type { Actor } from '../domain/video';
import { PlaybackService, type PlaybackSession } from '../services/paywall/playback.service';
import { SignedManifestService } from '../services/paywall/signed-manifests.service';
import { apiBase } from './signed-manifests.controller';
import { CurrentActor, OptionalAuth, Viewer } from './auth.guard';
import { playerIdParam, userIdParam } from './dto/playback.dto';
import { ApiZodBody } from './openapi';
import { VideoIdPipe } from './video-id.pipe';
import { ZodPipe } from './zod.pipe';

const grantBody = z
  .strictObject({
    expiresAt: z.iso.datetime({ offset: true }).nullable().optional(),
    kind: z.enum(['purchase', 'rental']).optional(),
    // Up to a year of viewing once started.
    rentalSeconds: z
      .int()
      .min(60)
      .max(366 * 86_400)
      .optional(),
    startBy: z.iso.datetime({ offset: true }).nullable().optional(),
    // Includes saving the MP4 of a downloadable video.
    download: z.boolean().optional(),
  })
  .refine((b) => (b.kind === 'rental') === (b.rentalSeconds !== undefined), {
    message: 'a rental needs rentalSeconds, and only a rental takes it',
    path: ['rentalSeconds'],
  })
  .refine((b) => b.kind === 'rental' || b.startBy == null, {
    message: 'only a rental takes startBy',
    path: ['startBy'],
  })
  .refine((b) => b.kind !== 'rental' || !b.download, {
    message: 'a rental never includes downloading',
    path: ['download'],
  })
  .optional();
const sessionBody = z
  .strictObject({
    playerId: playerIdParam.optional(),
    // The token of the session being renewed: the same view goes on (analytics).
    viewToken: z.string().max(1024).optional(),
  })
  .nullable()
  .optional();

export interface CookieJson {
  name: string;
  value: string;
  domain: string | null;
  path: string;
  expires: string;
  secure: true;
  httpOnly: true;
  sameSite: 'Lax' | 'Strict' | 'None';
}

interface Rendered {
  readonly setCookies: string[];
  /** `"cookies":[…],"signedQuery":"…"}`: the end of the JSON answer. */
  readonly tail: string;
  readonly signedQuery: string;
}

@ApiTags('playback')
@Controller('v1/videos/:id')
export class PlaybackController {
  // Keyed by the signed policy object itself: it lives as long as the signer's cache keeps it.
  private readonly renders = new WeakMap<object, Rendered>();

  constructor(
    private readonly playback: PlaybackService,
    @Inject(APP_CONFIG) private readonly config: AppConfig,
  ) {}

  @Post('playback-sessions')
  @OptionalAuth()
  @ApiBearerAuth()
  @ApiOperation({ summary: 'CloudFront signed cookies for this video (call again before refreshAt to renew)' })
  async create(
    @Viewer() viewer: Actor | null,
    @Param('id', VideoIdPipe) id: string,
    @Req() request: FastifyRequest,
    @Res({ passthrough: true }) reply: FastifyReply,
    @Body(new ZodPipe(sessionBody)) body: z.output<typeof sessionBody>,
  ) {
    const session = await this.playback.createSession(viewer, id, request.ip, body ?? {});
    const { setCookies, tail, signedQuery } = this.rendered(session);
    void reply
      .status(201)
      .header('set-cookie', setCookies)
      .header('cache-control', 'no-store')
      .type('application/json; charset=utf-8');
    const head = JSON.stringify({
      videoId: session.videoId,
      manifestUrl: session.manifestUrl,
      expiresAt: session.expiresAt.toISOString(),
      refreshAt: session.refreshAt.toISOString(),
      issuedAt: session.issuedAt.toISOString(),
      posterUrl: session.posterUrl,
      storyboardUrl: session.storyboardUrl,
      availableFrom: session.availableFrom?.toISOString() ?? null,
      viewToken: session.viewToken,
      playableEarly: session.playableEarly,
      progress: session.progress,
      // The same session for any HLS client without cookies: every playlist it leads to signed.
      signedManifestUrl: `${SignedManifestService.route(apiBase(request), session.videoId, session.manifestPath)}?${signedQuery}`,
    });
    // `cookies` and `signedQuery` (the same policy as query parameters, for players that cannot
    // hold cookies, docs/cloudfront.md §14.7) are most of the answer: serialized once per policy.
    return `${head.slice(0, -1)},${tail}`;
  }

  /**
   * The cookies as JSON, as Set-Cookie headers and as a query: the same for every viewer given
   * the same signed policy (shared from the signer's cache), so rendered once per policy.
   */
  private rendered(session: PlaybackSession): Rendered {
    const known = this.renders.get(session.signed);
    if (known) return known;
    const { cookieDomain, cookieSameSite } = this.config.playback;
    const cookies: CookieJson[] = Object.entries(session.signed).map(([name, value]) => ({
      name,
      value,
      domain: cookieDomain ?? null,
      path: session.cookiePath,
      expires: session.expiresAt.toISOString(),
      secure: true,
      httpOnly: true,
      sameSite: cookieSameSite,
    }));
    const signedQuery = signedQueryOf(session.signed);
    const rendered: Rendered = {
      setCookies: cookies.map(setCookie),
      tail: JSON.stringify({ cookies, signedQuery }).slice(1),
      signedQuery,
    };
    this.renders.set(session.signed, rendered);
    return rendered;
  }

  @Put('grants/:userId')
  @ApiBearerAuth()
  @ApiOperation({ summary: 'Grant a user access to a paid video (the paywall, with an admin token; or the owner)' })
  @ApiZodBody(grantBody.unwrap())
  async putGrant(
    @CurrentActor() actor: Actor,
    @Param('id', VideoIdPipe) id: string,
    @Param('userId', new ZodPipe(userIdParam, 'user id')) userId: string,
    @Body(new ZodPipe(grantBody)) body: z.output<typeof grantBody>,
  ) {
    const expiresAt = body?.expiresAt ? new Date(body.expiresAt) : null;
    const rental =
      body?.kind === 'rental'
        ? { seconds: body.rentalSeconds!, startBy: body.startBy ? new Date(body.startBy) : null }
        : null;
    return grantJson(
      await this.playback.putGrant(actor, id, userId, { expiresAt, rental, download: body?.download ?? false }),
    );
  }

  @Delete('grants/:userId')
  @HttpCode(204)
  @ApiBearerAuth()
  async removeGrant(
    @CurrentActor() actor: Actor,
    @Param('id', VideoIdPipe) id: string,
    @Param('userId', new ZodPipe(userIdParam, 'user id')) userId: string,
  ): Promise<void> {
    await this.playback.removeGrant(actor, id, userId);
  }

  @Get('grants')
  @ApiBearerAuth()
  async listGrants(@CurrentActor() actor: Actor, @Param('id', VideoIdPipe) id: string) {
    return { items: (await this.playback.listGrants(actor, id)).map(grantJson) };
  }
}

/** RFC 6265 Set-Cookie: cookie values are CloudFront base64, valid cookie-octets as they are. */
function setCookie(c: CookieJson): string {
  return [
    `${c.name}=${c.value}`,
    ...(c.domain ? [`Domain=${c.domain}`] : []),
    `Path=${c.path}`,
    `Expires=${new Date(c.expires).toUTCString()}`,
    'Secure',
    'HttpOnly',
    `SameSite=${c.sameSite}`,
  ].join('; ');
}
