-- E-mail changes (P16): the link that confirms a contact's new e-mail is a
-- token like the others, and tokens.email keeps the address it confirms,
-- so that nothing changes until the link is used.

ALTER TABLE tokens ADD COLUMN IF NOT EXISTS email bytea;
