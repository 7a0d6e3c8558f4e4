-- Videos: the system of record. Timestamps keep milliseconds only, so a keyset cursor built
-- from a JavaScript Date compares exactly.
CREATE TABLE videos (
  id                  text PRIMARY KEY CHECK (id ~ '^[0-7][0-9a-hjkmnp-tv-z]{25}$'),
  owner_id            text NOT NULL,
  title               text NOT NULL CHECK (char_length(title) BETWEEN 1 AND 200),
  status              text NOT NULL CHECK (status IN ('awaiting_upload', 'queued', 'processing', 'ready', 'failed')),
  access              text NOT NULL CHECK (access IN ('public', 'paid', 'private')),
  content_type        text NOT NULL,
  size_bytes          bigint NOT NULL CHECK (size_bytes > 0),
  filename            text,
  upload_strategy     text NOT NULL CHECK (upload_strategy IN ('single', 'multipart')),
  multipart_upload_id text,
  part_size           bigint,
  part_count          integer,
  progress            smallint CHECK (progress BETWEEN 0 AND 100),
  error_code          text,
  error_message       text,
  created_at          timestamptz(3) NOT NULL DEFAULT now(),
  updated_at          timestamptz(3) NOT NULL DEFAULT now()
);

CREATE INDEX videos_owner_created_idx ON videos (owner_id, created_at DESC, id DESC);
CREATE INDEX videos_created_idx ON videos (created_at DESC, id DESC);
CREATE INDEX videos_awaiting_upload_idx ON videos (created_at) WHERE status = 'awaiting_upload';
