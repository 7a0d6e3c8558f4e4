-- The source as the creator completed it: every later read is pinned to this ETag, so bytes put
-- there afterwards (the upload form reused) are refused instead of encoded.
ALTER TABLE videos ADD COLUMN upload_etag text;

-- A deleted video's upload form stays valid until it expires: bytes it puts there then belong to
-- nothing. The sweep empties the prefix until the last form has expired, then forgets the video.
CREATE TABLE upload_tombstones (
  video_id text PRIMARY KEY,
  until    timestamptz NOT NULL
);
