import { Module } from '@nestjs/common';
import { CaptionPublisher } from './caption-publisher';

/** Publishing captions into a published version: on a caption change (api) and after a publication (worker). */
@Module({ providers: [CaptionPublisher], exports: [CaptionPublisher] })
export class CaptionPublishingModule {}
