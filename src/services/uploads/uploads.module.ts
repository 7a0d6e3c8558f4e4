import { Module } from '@nestjs/common';
import { UnfinishedUploadsModule } from './unfinished-uploads.module';
import { UploadsService } from './uploads.service';

/** Api side: a video's creation and its presigned single or multipart upload. */
@Module({ imports: [UnfinishedUploadsModule], providers: [UploadsService], exports: [UploadsService] })
export class UploadsModule {}
