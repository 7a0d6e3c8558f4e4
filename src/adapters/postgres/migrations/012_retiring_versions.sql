-- Versions replaced by a newer one, deleted once no session can still be playing them. A delayed
-- maintenance job does it on time; this row is the record that survives Redis losing that job
-- (the orphaned-work sweep deletes what is due).
CREATE TABLE retiring_versions (
  video_id     text NOT NULL REFERENCES videos (id) ON DELETE CASCADE,
  version      text NOT NULL,
  delete_after timestamptz NOT NULL,
  PRIMARY KEY (video_id, version)
);
CREATE INDEX retiring_versions_due ON retiring_versions (delete_after);
