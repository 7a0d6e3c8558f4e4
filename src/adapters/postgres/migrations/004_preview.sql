-- Playable before ready: the preview version published while the ladder is encoded, and when it
-- became fetchable. Both are cleared when the video fails (its preview is deleted).
ALTER TABLE videos
  ADD COLUMN preview_version text CHECK (preview_version ~ '^[0-9a-z]{1,32}$'),
  ADD COLUMN playable_at     timestamptz(3);
