import { Controller, Delete, HttpCode, Param } from '@nestjs/common';
import { ApiBearerAuth, ApiOperation, ApiTags } from '@nestjs/swagger';
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
  @ApiOperation({ summary: 'A player closed: free its stream slot (PLAYBACK_MAX_STREAMS) now' })
  async end(
    @CurrentActor() actor: Actor,
    @Param('playerId', new ZodPipe(playerIdParam, 'player id')) playerId: string,
  ): Promise<void> {
    await this.playback.endStream(actor, playerId);
  }
}
