import { Module } from '@nestjs/common';
import { UnfinishedUploads } from './unfinished-uploads.service';

/** Discarding unfinished uploads: a creator's cancel in the api, the abandoned-uploads sweep in the worker. */
@Module({ providers: [UnfinishedUploads], exports: [UnfinishedUploads] })
export class UnfinishedUploadsModule {}
