import type { FastifyInstance } from 'fastify';
import type { TokenVerifier } from '../ports/token-verifier';
import type { VideoStore } from '../ports/video-store';
import { loadOwnedVideo } from '../services/shared/video-access';
import { bearerToken } from './auth.guard';
import { sendProblem } from './problem.filter';

/** The one route that takes a body of megabytes: a caption file for one language. */
export const CAPTIONS_ROUTE = /^\/v1\/videos\/[^/]+\/captions\/[^/]+$/;

/**
 * A caption upload is read (up to 8 MB) only once its caller is known and owns the video: before
 * Fastify parses the body, the token is verified and the video looked up, so a stranger, or a
 * creator aiming at someone else's video, costs the api a signature check and one row read. The
 * guard and the service check again as on every route; this only moves the refusal earlier.
 */
export function registerCaptionUploadGate(fastify: FastifyInstance, tokens: TokenVerifier, videos: VideoStore): void {
  fastify.addHook('preParsing', async (request, reply) => {
    if (request.method !== 'PUT' || !CAPTIONS_ROUTE.test(request.url.split('?')[0]!)) return;
    try {
      const actor = await tokens.verify(bearerToken(request.headers.authorization));
      // The router has matched the route already: its id, decoded, as the controller gets it.
      await loadOwnedVideo(videos, actor, (request.params as { id?: string }).id ?? '');
    } catch (error) {
      // Answered here: Fastify then never reads the body.
      sendProblem(error, request, reply);
    }
  });
}
