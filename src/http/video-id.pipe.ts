import { Injectable, type PipeTransform } from '@nestjs/common';
import { assertVideoId } from '../domain/ids';

/** Rejects a malformed id with 400 `invalid_id` before any query runs. */
@Injectable()
export class VideoIdPipe implements PipeTransform<unknown, string> {
  transform(value: unknown): string {
    return assertVideoId(value);
  }
}
