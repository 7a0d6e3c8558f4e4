-- A caption's digest names its published files: a change republishes only the languages whose
-- digest the current master does not name, without reading every language's WebVTT.
ALTER TABLE captions ADD COLUMN digest text;
-- The same hash as captionDigest (sha256 of the UTF-8 text, first 16 hex digits).
UPDATE captions SET digest = substr(encode(sha256(convert_to(vtt, 'UTF8')), 'hex'), 1, 16);
ALTER TABLE captions ALTER COLUMN digest SET NOT NULL;
