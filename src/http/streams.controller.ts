import { Controller, Delete, HttpCode, Param, Req } from '@nestjs/common';
import { ApiBearerAuth, ApiOperation, ApiTags } from '@nestjs/swagger';
import type { FastifyRequest } from 'fastify';
import type { Actor } from '../domain/video';
import { PlaybackService } from '../services/paywall/playback.service';
import { CurrentActor } from './auth.guard';
import { playerIdParam } from './dto/playback.dto';
import { ZodPipe } from './zod.pipe';

@ApiTags('playback')
@ApiBearerAuth()
@Controller('v1/playback-sessions')
export class StreamsController {
  constructor(private readonly playback: PlaybackService) {}

  @Delete(':playerId')
  @HttpCode(204)
  @ApiOperation({
    summary:
      'A player closed: free its stream slot (PLAYBACK_MAX_STREAMS) now; cookies already issued stay valid until they expire',
  })
  async end(
    @CurrentActor() actor: Actor,
    @Param('playerId', new ZodPipe(playerIdParam, 'player id')) playerId: string,
    @Req() request: FastifyRequest,
  ): Promise<void> {
    // The slot of this player on this address (a shared player id elsewhere is another stream).
    await this.playback.endStream(actor, playerId, request.ip);
  }
}
