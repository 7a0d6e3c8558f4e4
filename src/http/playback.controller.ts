import { Body, Controller, Delete, Get, HttpCode, Inject, Param, Post, Put, Req, Res } from '@nestjs/common';
import { ApiBearerAuth, ApiOperation, ApiTags } from '@nestjs/swagger';
import type { FastifyReply, FastifyRequest } from 'fastify';
import { z } from 'zod';
import { APP_CONFIG } from '../config/config.module';
import type { AppConfig } from '../config/config';
import { presentGrant as grantJson } from '../domain/video-events';
import type { Actor } from '../domain/video';
import { PlaybackService } from '../services/playback.service';
import { CurrentActor, OptionalAuth, Viewer } from './auth.guard';
import { playerIdParam } from './dto/playback.dto';
import { ApiZodBody } from './openapi';
import { VideoIdPipe } from './video-id.pipe';
import { ZodPipe } from './zod.pipe';

const grantBody = z
  .strictObject({
    expiresAt: z.iso.datetime({ offset: true }).nullable().optional(),
    kind: z.enum(['purchase', 'rental']).optional(),
    // Up to a year of viewing once started.
    rentalSeconds: z.int().min(60).max(366 * 86_400).optional(),
    startBy: z.iso.datetime({ offset: true }).nullable().optional(),
  })
  .refine((b) => (b.kind === 'rental') === (b.rentalSeconds !== undefined), { message: 'a rental needs rentalSeconds, and only a rental takes it', path: ['rentalSeconds'] })
  .refine((b) => b.kind === 'rental' || b.startBy == null, { message: 'only a rental takes startBy', path: ['startBy'] })
  .optional();
const sessionBody = z.strictObject({ playerId: playerIdParam.optional() }).nullable().optional();
const userIdParam = z.string().regex(/^[A-Za-z0-9@._:|+-]{1,255}$/, 'must be a user id (the token subject)');

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


@ApiTags('playback')
@Controller('v1/videos/:id')
export class PlaybackController {
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
    const session = await this.playback.createSession(viewer, id, request.ip, body?.playerId);
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
    void reply.status(201).header('set-cookie', cookies.map(setCookie)).header('cache-control', 'no-store');
    return {
      videoId: session.videoId,
      manifestUrl: session.manifestUrl,
      expiresAt: session.expiresAt.toISOString(),
      refreshAt: session.refreshAt.toISOString(),
      issuedAt: session.issuedAt.toISOString(),
      posterUrl: session.posterUrl,
      availableFrom: session.availableFrom?.toISOString() ?? null,
      cookies,
      // The same policy as query parameters, for players that cannot hold cookies (CLOUDFRONT.md §14.7).
      signedQuery: [
        ['Policy', session.signed['CloudFront-Policy']],
        ['Signature', session.signed['CloudFront-Signature']],
        ['Key-Pair-Id', session.signed['CloudFront-Key-Pair-Id']],
        ...(session.signed['CloudFront-Hash-Algorithm'] ? [['Hash-Algorithm', session.signed['CloudFront-Hash-Algorithm']]] : []),
      ]
        .map(([k, v]) => `${k}=${v}`)
        .join('&'),
    };
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
    const rental = body?.kind === 'rental' ? { seconds: body.rentalSeconds!, startBy: body.startBy ? new Date(body.startBy) : null } : null;
    return grantJson(await this.playback.putGrant(actor, id, userId, { expiresAt, rental }));
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
