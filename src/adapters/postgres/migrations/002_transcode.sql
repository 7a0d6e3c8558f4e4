-- Transcoding results. `source_etag` records which upload the ready rendition was made from,
-- so a repeated job for the same source is a no-op.
ALTER TABLE videos
  ADD COLUMN duration_seconds double precision,
  ADD COLUMN width            integer,
  ADD COLUMN height           integer,
  ADD COLUMN renditions       jsonb,
  ADD COLUMN hls_version      text CHECK (hls_version ~ '^[0-9a-z]{1,32}$'),
  ADD COLUMN source_etag      text,
  ADD COLUMN ready_at         timestamptz(3);

CREATE INDEX videos_in_flight_idx ON videos (updated_at) WHERE status IN ('queued', 'processing');
