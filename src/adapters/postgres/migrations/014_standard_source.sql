-- How a video first became playable (its source as it is, the preview, or the ladder at ready),
-- and why its source could not be published as it is (an empty array: it was; NULL: not judged).
ALTER TABLE videos
  ADD COLUMN playable_via text CHECK (playable_via IN ('source', 'preview', 'ladder')),
  ADD COLUMN non_standard_reasons text[];
