-- What viewers expect beside the stream: downloads, storyboards, captions.

ALTER TABLE videos
  -- The creator lets entitled viewers save an MP4.
  ADD COLUMN downloadable boolean NOT NULL DEFAULT false,
  -- The MP4 made from the published version: {version, key, sizeBytes, filename}; stale (ignored)
  -- once hls_version moves on, dropped when downloadable goes false.
  ADD COLUMN download jsonb,
  -- The published version holds storyboard/storyboard.vtt and its sprites.
  ADD COLUMN storyboard boolean NOT NULL DEFAULT false,
  -- Bumped by every caption change; a publish records its master only for the revision it read.
  ADD COLUMN captions_revision integer NOT NULL DEFAULT 0,
  -- The master playlist with the subtitle renditions (`master-{hash}.m3u8` in hls_version), or null.
  ADD COLUMN captions_master text;

-- A grant may include saving the MP4 (never for a rental: the database refuses it).
ALTER TABLE grants
  ADD COLUMN download boolean NOT NULL DEFAULT false,
  ADD CONSTRAINT grants_rental_no_download CHECK (NOT (kind = 'rental' AND download));
ALTER TABLE collection_grants ADD COLUMN download boolean NOT NULL DEFAULT false;

-- The system of record for captions: WebVTT as published (converted from SRT when uploaded so).
CREATE TABLE captions (
  video_id   text NOT NULL REFERENCES videos (id) ON DELETE CASCADE,
  lang       text NOT NULL CHECK (char_length(lang) BETWEEN 2 AND 35),
  label      text NOT NULL,
  is_default boolean NOT NULL DEFAULT false,
  vtt        text NOT NULL,
  cue_count  integer NOT NULL,
  created_at timestamptz(3) NOT NULL DEFAULT now(),
  updated_at timestamptz(3) NOT NULL DEFAULT now(),
  PRIMARY KEY (video_id, lang)
);
