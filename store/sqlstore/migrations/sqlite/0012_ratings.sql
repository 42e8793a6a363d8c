-- Satisfaction ratings (P14). A ticket's latest rating lives beside its
-- document, not in it, as its number does: tickets.rating holds the
-- portal.Rating (JSON) and tickets.satisfaction its value, which filters
-- and sorts compare. A put of the ticket writes neither (only a rating
-- does), so that a host's save never loses what a customer gave.

ALTER TABLE tickets ADD COLUMN rating BLOB;
ALTER TABLE tickets ADD COLUMN satisfaction BLOB;
