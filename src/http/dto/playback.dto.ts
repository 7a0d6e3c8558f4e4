import { z } from 'zod';

/** A grant's user: the token subject of the viewer it opens videos to. */
export const userIdParam = z.string().regex(/^[A-Za-z0-9@._:|+-]{1,255}$/, 'must be a user id (the token subject)');

/** A player's stable id, chosen by the SDK: the unit of a stream slot. */
export const playerIdParam = z.string().regex(/^[A-Za-z0-9_-]{1,64}$/, 'must be 1-64 characters of A-Z a-z 0-9 _ -');
