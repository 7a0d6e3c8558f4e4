-- The paywall grows: availability windows (premieres, takedowns), rentals, collections.

ALTER TABLE videos
  ADD COLUMN available_from timestamptz(3),
  ADD COLUMN available_until timestamptz(3),
  ADD CONSTRAINT videos_available_window CHECK (available_from IS NULL OR available_until IS NULL OR available_from < available_until);

-- A rental runs rental_seconds from its first session (started_at, set once), which must come by start_by.
ALTER TABLE grants
  ADD COLUMN kind text NOT NULL DEFAULT 'purchase' CHECK (kind IN ('purchase', 'rental')),
  ADD COLUMN rental_seconds integer CHECK (rental_seconds > 0),
  ADD COLUMN start_by timestamptz(3),
  ADD COLUMN started_at timestamptz(3),
  ADD CONSTRAINT grants_rental_shape CHECK ((kind = 'rental') = (rental_seconds IS NOT NULL));

CREATE TABLE collections (
  id          text PRIMARY KEY,
  owner_id    text NOT NULL,
  title       text NOT NULL,
  description text,
  created_at  timestamptz(3) NOT NULL DEFAULT now(),
  updated_at  timestamptz(3) NOT NULL DEFAULT now()
);
CREATE INDEX collections_owner ON collections (owner_id, created_at);

-- A removed item keeps its row with removed_at: viewers whose collection grant was live at that
-- moment keep the video (what a course's buyer expects); grants made later do not get it.
CREATE TABLE collection_items (
  collection_id text NOT NULL REFERENCES collections (id) ON DELETE CASCADE,
  video_id      text NOT NULL REFERENCES videos (id) ON DELETE CASCADE,
  position      integer NOT NULL,
  added_at      timestamptz(3) NOT NULL DEFAULT now(),
  removed_at    timestamptz(3),
  PRIMARY KEY (collection_id, video_id)
);
CREATE INDEX collection_items_video ON collection_items (video_id);

CREATE TABLE collection_grants (
  collection_id text NOT NULL REFERENCES collections (id) ON DELETE CASCADE,
  user_id       text NOT NULL CHECK (char_length(user_id) BETWEEN 1 AND 255),
  expires_at    timestamptz(3),
  created_at    timestamptz(3) NOT NULL DEFAULT now(),
  PRIMARY KEY (collection_id, user_id)
);
CREATE INDEX collection_grants_user ON collection_grants (user_id);
