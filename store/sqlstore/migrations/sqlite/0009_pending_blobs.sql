-- Pending blobs (X8): the blob keys of attachments whose files are put and
-- whose reply has not committed yet. The reply's transaction deletes its
-- keys; a key left long after is a file of a reply that never committed
-- (a crash), which the portal deletes.
CREATE TABLE IF NOT EXISTS pending_blobs (
	portal_id  BLOB NOT NULL,
	blob_key   BLOB NOT NULL,
	pending_at INTEGER NOT NULL,
	PRIMARY KEY (portal_id, blob_key)
) WITHOUT ROWID;
