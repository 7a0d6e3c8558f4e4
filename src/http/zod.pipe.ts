import { Injectable, type PipeTransform } from '@nestjs/common';
import { z } from 'zod';
import { DomainError } from '../domain/errors';

/** Validates a body or query against a zod schema; every problem comes back in `errors`. */
@Injectable()
export class ZodPipe<S extends z.ZodType> implements PipeTransform<unknown, z.output<S>> {
  constructor(
    private readonly schema: S,
    private readonly what = 'request body',
  ) {}

  transform(value: unknown): z.output<S> {
    const parsed = this.schema.safeParse(value);
    if (parsed.success) return parsed.data;
    const errors = parsed.error.issues.map((issue) => ({
      path: issue.path.join('.') || '(root)',
      message: issue.code === 'unrecognized_keys' ? `unknown field(s): ${issue.keys.join(', ')}` : issue.message,
    }));
    throw new DomainError('invalid_request', `The ${this.what} is invalid.`, errors);
  }
}
