-- Every try of a delivery, oldest first: {attempt, at, responseStatus, durationMs, error}. The
-- delivery's own columns keep the last one; a creator also sees the 500s that were retried.
ALTER TABLE webhook_deliveries ADD COLUMN attempts jsonb NOT NULL DEFAULT '[]';
