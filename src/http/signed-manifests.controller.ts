import { Controller, Get, Param, Req, Res } from '@nestjs/common';
import { ApiOperation, ApiTags } from '@nestjs/swagger';
import type { FastifyReply, FastifyRequest } from 'fastify';
import { SignedManifestService } from '../services/paywall/signed-manifests.service';
import { Public } from './auth.guard';

const ROUTE_PREFIX = /^\/v1\/videos\/[^/]+\/signed\//;

/** The api's own URL as the client reached it (behind TRUST_PROXY hops, as they forwarded it). */
export const apiBase = (request: FastifyRequest) => `${request.protocol}://${request.host}`;

@ApiTags('playback')
@Controller('v1/videos/:id/signed')
export class SignedManifestsController {
  constructor(private readonly manifests: SignedManifestService) {}

  @Get('*')
  @Public()
  @ApiOperation({
    summary:
      "A playlist of signedManifestUrl: authorized by the session's CloudFront query, every URI in it signed with the same (no cookies needed)",
  })
  async playlist(@Param('id') id: string, @Req() request: FastifyRequest, @Res() reply: FastifyReply): Promise<void> {
    const raw = request.raw.url ?? '';
    const queryAt = raw.indexOf('?');
    const path = (queryAt < 0 ? raw : raw.slice(0, queryAt)).replace(ROUTE_PREFIX, '');
    const text = await this.manifests.playlist(
      id,
      path,
      queryAt < 0 ? '' : raw.slice(queryAt + 1),
      request.ip,
      apiBase(request),
    );
    // Signed for one session: never for a shared cache.
    void reply
      .status(200)
      .header('cache-control', 'private, no-store')
      .header('access-control-allow-origin', '*')
      .type('application/vnd.apple.mpegurl')
      .send(text);
  }
}
