import { Module } from '@nestjs/common';
import { CreatorLimits } from '../shared/creator-limits';
import { UnfinishedUploadsModule } from './unfinished-uploads.module';
import { UploadsService } from './uploads.service';

/** Api side: a video's creation and its presigned single or multipart upload. */
@Module({ imports: [UnfinishedUploadsModule], providers: [UploadsService, CreatorLimits], exports: [UploadsService] })
export class UploadsModule {}
