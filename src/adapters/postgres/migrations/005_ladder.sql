-- The version a chunked ladder is being encoded for: chosen once per transcode, so a retried
-- attempt re-adds the same BullMQ flow (its job ids derive from it) instead of a second one, and
-- chunk jobs of an abandoned version can tell they are no longer wanted. Cleared when the video
-- becomes ready (it is then hls_version) or fails.
ALTER TABLE videos
  ADD COLUMN ladder_version text CHECK (ladder_version ~ '^[0-9a-z]{1,32}$');
