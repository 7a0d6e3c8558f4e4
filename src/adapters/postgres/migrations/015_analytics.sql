-- Viewing analytics (docs/analytics.md). A view is one playback session's watching, named by
-- its view token; its watched stretches are merged as a multirange (each second of the timeline
-- once), its watch time summed from what was played (replays included). No client address.
CREATE TABLE playback_views (
  view_id text PRIMARY KEY,
  video_id text NOT NULL,
  -- The token's `sub`; NULL for an anonymous viewer.
  viewer_id text,
  -- The day its raw events are filed under (the view's start, from its token).
  started_on date NOT NULL,
  started_at timestamptz NOT NULL,
  last_seen_at timestamptz NOT NULL,
  -- The highest sequence number applied, so a late beacon never moves the position back.
  last_seq integer NOT NULL DEFAULT -1,
  position_seconds double precision NOT NULL DEFAULT 0,
  watched nummultirange NOT NULL DEFAULT '{}',
  watch_seconds double precision NOT NULL DEFAULT 0,
  startup_ms integer,
  rebuffer_count integer NOT NULL DEFAULT 0,
  rebuffer_ms bigint NOT NULL DEFAULT 0,
  errors integer NOT NULL DEFAULT 0,
  rendition text
);
CREATE INDEX playback_views_by_video ON playback_views (video_id, started_at);
CREATE INDEX playback_views_by_viewer ON playback_views (viewer_id) WHERE viewer_id IS NOT NULL;

-- Every beacon event as received, once per (view, sequence number): replays insert nothing.
-- Partitioned by the view's day, so retention drops whole partitions, and a replay lands in the
-- same partition as the original (the key includes the day).
CREATE TABLE playback_events (
  started_on date NOT NULL,
  view_id text NOT NULL,
  seq integer NOT NULL,
  received_at timestamptz NOT NULL DEFAULT now(),
  event jsonb NOT NULL,
  PRIMARY KEY (started_on, view_id, seq)
) PARTITION BY RANGE (started_on);

-- One viewer's progress through one video, over all their views: what resume and course
-- progress read.
CREATE TABLE viewer_progress (
  video_id text NOT NULL,
  viewer_id text NOT NULL,
  views integer NOT NULL DEFAULT 0,
  watched nummultirange NOT NULL DEFAULT '{}',
  watch_seconds double precision NOT NULL DEFAULT 0,
  position_seconds double precision NOT NULL DEFAULT 0,
  -- The position comes from the view seen last, whatever the order its beacons arrive in.
  position_at timestamptz NOT NULL DEFAULT '-infinity',
  last_seen_at timestamptz NOT NULL,
  PRIMARY KEY (video_id, viewer_id)
);
CREATE INDEX viewer_progress_by_viewer ON viewer_progress (viewer_id);

-- Per video and day (UTC): kept when the raw events are dropped.
CREATE TABLE video_daily_views (
  video_id text NOT NULL,
  day date NOT NULL,
  views integer NOT NULL DEFAULT 0,
  watch_seconds double precision NOT NULL DEFAULT 0,
  PRIMARY KEY (video_id, day)
);
