-- Paywall grants: a user may watch a paid video, until expires_at when set.
CREATE TABLE grants (
  video_id   text NOT NULL REFERENCES videos (id) ON DELETE CASCADE,
  user_id    text NOT NULL CHECK (char_length(user_id) BETWEEN 1 AND 255),
  expires_at timestamptz(3),
  created_at timestamptz(3) NOT NULL DEFAULT now(),
  PRIMARY KEY (video_id, user_id)
);
