import { randomUUID } from 'node:crypto';
import type { IncomingMessage } from 'node:http';
import type { FastifyReply, FastifyRequest } from 'fastify';
import { NestFactory } from '@nestjs/core';
import { FastifyAdapter, type NestFastifyApplication } from '@nestjs/platform-fastify';
import { DocumentBuilder, SwaggerModule } from '@nestjs/swagger';
import { ApiModule } from './api.module';
import type { AppConfig } from './config/config';
import { DomainError } from './domain/errors';
import { CAPTIONS_ROUTE, registerCaptionUploadGate } from './http/caption-upload-gate';
import { registerDemoPage } from './http/demo-page';
import { sendProblem } from './http/problem.filter';
import { createLogger } from './logging';
import { Metrics } from './ports/metrics';
import { TokenVerifier } from './ports/token-verifier';
import { VideoStore } from './ports/video-store';

const REQUEST_ID = /^[A-Za-z0-9._:-]{1,64}$/;

/**
 * REQUEST_TIMEOUT_SECONDS: a request still unanswered then (a dependency stalling: storage, a
 * lock) is answered 503 with Retry-After; whatever the handler sends later is dropped.
 */
function answerBy(request: FastifyRequest, reply: FastifyReply, seconds: number): void {
  const timer = setTimeout(() => {
    if (reply.sent || reply.raw.headersSent) return;
    sendProblem(
      new DomainError(
        'dependency_unavailable',
        `The request was not answered within REQUEST_TIMEOUT_SECONDS (${seconds} s); try again.`,
      ),
      request,
      reply,
    );
  }, seconds * 1000);
  timer.unref();
  reply.raw.once('close', () => clearTimeout(timer));
}

function routerError(error: { code?: string }): DomainError {
  return error.code === 'FST_ERR_MAX_PARAM_LENGTH'
    ? new DomainError('invalid_id', 'An id in the path is malformed (too long).')
    : new DomainError('invalid_request', 'The request path is malformed.');
}
const CAPTION_TYPES = ['text/vtt', 'application/x-subrip', 'text/srt', 'application/x-srt', 'text/plain'];
// Playback beacons: JSON, also as text/plain (sendBeacon), at most 64 KB (50 events, well within).
const BEACON_ROUTE = '/v1/playback-events';
const BEACON_MAX_BYTES = 64 * 1024;
const isBeacon = (request: FastifyRequest) => request.url.split('?')[0] === BEACON_ROUTE;
const beaconTooLarge = () =>
  Object.assign(new Error(`A batch of playback events is at most ${BEACON_MAX_BYTES / 1024} KB.`), {
    statusCode: 413,
    code: 'FST_ERR_CTP_BODY_TOO_LARGE',
  });

function parseJson(text: string, done: (error: Error | null, body?: unknown) => void): void {
  try {
    done(null, JSON.parse(text));
  } catch {
    done(
      Object.assign(new Error('The body is not valid JSON.'), {
        statusCode: 400,
        code: 'FST_ERR_CTP_INVALID_JSON_BODY',
      }),
      undefined,
    );
  }
}

/** Builds the api application (not yet listening): used by main, `npm run dev` and tests. */
export async function createApiApp(
  config: AppConfig,
  options: { shutdownHooks?: boolean } = {},
): Promise<NestFastifyApplication> {
  const adapter = new FastifyAdapter({
    // JSON bodies here are small; presigned uploads send their bytes straight to S3.
    bodyLimit: 1024 * 1024,
    // A caller's correlation id is kept when it is well-formed, so logs join up across services.
    genReqId: (req: IncomingMessage) => {
      const given = req.headers['x-request-id'];
      return typeof given === 'string' && REQUEST_ID.test(given) ? given : randomUUID();
    },
    // request.ip comes from X-Forwarded-For only across the configured proxy hops.
    trustProxy: (_address: string, hop: number) => hop < config.playback.trustProxy,
    // Errors the router meets before any route runs answer problem+json too: a path parameter
    // past 100 characters is no valid id (400 invalid_id, not Fastify's bare 414), a path that
    // does not decode is a bad request.
    frameworkErrors: (error: { code?: string }, request: FastifyRequest, reply: FastifyReply) =>
      sendProblem(routerError(error), request, reply),
  });
  const app = await NestFactory.create<NestFastifyApplication>(ApiModule.forRoot(config), adapter, {
    logger: createLogger(config),
    bufferLogs: true,
    // Body parsing is configured below, on Fastify itself.
    bodyParser: false,
  });
  const fastify = app.getHttpAdapter().getInstance();
  // The api speaks JSON only; any other body type is answered 415 instead of reaching a handler.
  fastify.removeContentTypeParser(['text/plain', 'application/json']);
  // An empty body sent as JSON means "no body" (player SDKs send the header on every POST), so
  // optional bodies stay optional; malformed JSON is still `invalid_json`.
  fastify.addContentTypeParser('application/json', { parseAs: 'string' }, (request, body, done) => {
    const text = String(body);
    if (text.trim() === '') return done(null, undefined);
    if (isBeacon(request) && text.length > BEACON_MAX_BYTES) return done(beaconTooLarge(), undefined);
    parseJson(text, done);
  });
  // Captions are uploaded as they are (WebVTT, SRT), on their route only; up to 8 MB read, so a
  // file over the 1 MB limit is told so (invalid_captions) rather than cut off.
  fastify.addContentTypeParser(
    CAPTION_TYPES,
    { parseAs: 'string', bodyLimit: 8 * 1024 * 1024 },
    (request, body, done) => {
      // navigator.sendBeacon sends a string as text/plain (a type needing no CORS preflight).
      if (isBeacon(request) && request.headers['content-type']?.startsWith('text/plain')) {
        const text = String(body);
        return text.length > BEACON_MAX_BYTES ? done(beaconTooLarge(), undefined) : parseJson(text, done);
      }
      if (!CAPTIONS_ROUTE.test(request.url.split('?')[0]!)) {
        return done(
          Object.assign(new Error('Send the body as application/json.'), {
            statusCode: 415,
            code: 'FST_ERR_CTP_INVALID_MEDIA_TYPE',
          }),
          undefined,
        );
      }
      done(null, String(body));
    },
  );
  fastify.addHook('onRequest', async (request, reply) => {
    void reply.header('x-request-id', request.id);
    answerBy(request, reply, config.http.requestTimeoutSeconds);
  });
  registerCaptionUploadGate(fastify, app.get(TokenVerifier, { strict: false }), app.get(VideoStore, { strict: false }));
  if (config.metrics.onApiPort) {
    const metrics = app.get(Metrics, { strict: false });
    // Outside Nest's pipeline (no guard): a scraper carries no token. Only where configured.
    fastify.get('/metrics', async (_request, reply) => {
      const { contentType, text } = await metrics.exposition();
      return reply.type(contentType).send(text);
    });
  }
  registerDemoPage(fastify);
  if (config.http.corsOrigins.length > 0) {
    app.enableCors({ origin: [...config.http.corsOrigins], credentials: true, exposedHeaders: ['x-request-id'] });
  }
  const document = SwaggerModule.createDocument(
    app,
    new DocumentBuilder()
      .setTitle('Velvet')
      .setDescription('Video-on-demand for paywalled video: uploads, transcoding, playback.')
      .setVersion('1')
      .addBearerAuth()
      .build(),
  );
  SwaggerModule.setup('docs', app, document, { jsonDocumentUrl: 'docs/openapi.json' });
  // `npm run dev` stops its whole stack itself, in order, on the signal.
  if (options.shutdownHooks ?? true) app.enableShutdownHooks();
  return app;
}
