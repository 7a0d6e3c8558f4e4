-- The backlog reporter counts the videos failed in the last hour every minute: this partial
-- index keeps that off the whole table (the oldest queued video reads videos_in_flight_idx).
CREATE INDEX videos_failed_updated_idx ON videos (updated_at) WHERE status = 'failed';
