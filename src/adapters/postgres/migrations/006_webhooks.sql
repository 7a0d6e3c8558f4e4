-- Webhooks. Every change of a video is written with its event in the same transaction (the
-- outbox, video_events); a relay claims committed events (FOR UPDATE SKIP LOCKED, never "id
-- greater than the last seen": ids commit out of order) and fans them out into deliveries.

-- Grows with every event of a video, so a receiver can drop a stale one that arrives late.
ALTER TABLE videos ADD COLUMN event_sequence bigint NOT NULL DEFAULT 0;

CREATE TABLE video_events (
  seq        bigserial PRIMARY KEY,
  id         text NOT NULL UNIQUE,
  type       text NOT NULL,
  video_id   text NOT NULL,
  owner_id   text NOT NULL,
  sequence   bigint NOT NULL,
  body       jsonb NOT NULL,
  created_at timestamptz(3) NOT NULL DEFAULT now(),
  relayed_at timestamptz(3)
);
-- The relay reads only what is still to relay.
CREATE INDEX video_events_unrelayed ON video_events (seq) WHERE relayed_at IS NULL;

CREATE TABLE webhook_endpoints (
  id                   text PRIMARY KEY,
  owner_id             text NOT NULL,
  url                  text NOT NULL,
  -- NULL: every event type.
  events               text[],
  description          text,
  scope                text NOT NULL CHECK (scope IN ('own', 'all')),
  -- AES-256-GCM under a key from configuration: a database dump alone reveals no secret.
  secret_sealed        text NOT NULL,
  -- The secret before the last rotation, still signing alongside until previous_until.
  previous_sealed      text,
  previous_until       timestamptz(3),
  created_at           timestamptz(3) NOT NULL DEFAULT now(),
  updated_at           timestamptz(3) NOT NULL DEFAULT now(),
  disabled_at          timestamptz(3),
  -- Since when every delivery has failed; NULL after any success.
  failing_since        timestamptz(3)
);
CREATE INDEX webhook_endpoints_owner ON webhook_endpoints (owner_id, created_at);

CREATE TABLE webhook_deliveries (
  id               text PRIMARY KEY,
  endpoint_id      text NOT NULL REFERENCES webhook_endpoints (id) ON DELETE CASCADE,
  event_id         text NOT NULL,
  type             text NOT NULL,
  body             jsonb NOT NULL,
  attempt          integer NOT NULL DEFAULT 0,
  status           text NOT NULL CHECK (status IN ('pending', 'succeeded', 'failed')),
  response_status  integer,
  duration_ms      integer,
  error            text,
  next_attempt_at  timestamptz(3),
  created_at       timestamptz(3) NOT NULL DEFAULT now(),
  updated_at       timestamptz(3) NOT NULL DEFAULT now(),
  -- One delivery per event and endpoint, however often the relay runs.
  UNIQUE (endpoint_id, event_id)
);
CREATE INDEX webhook_deliveries_endpoint ON webhook_deliveries (endpoint_id, created_at DESC, id DESC);
CREATE INDEX webhook_deliveries_due ON webhook_deliveries (next_attempt_at) WHERE status = 'pending';
