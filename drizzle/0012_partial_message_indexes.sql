-- An inbound message has no in_reply_to_id, and no conversation when it is stored: both indexes
-- took a NULL entry for every message stored, in the statement every acknowledgement waits on,
-- and nothing ever looks a NULL up in them. Partial, they index replies and placed messages only.
-- The reply commit's ON CONFLICT names the same predicate, so the unique index is still its
-- arbiter. (Rebuilding them locks writes to messages for as long as it takes: on a large table,
-- run this migration in a quiet moment.)
DROP INDEX "messages_one_reply_per_inbound_uq";--> statement-breakpoint
DROP INDEX "messages_conversation_idx";--> statement-breakpoint
CREATE UNIQUE INDEX "messages_one_reply_per_inbound_uq" ON "messages" USING btree ("in_reply_to_id") WHERE in_reply_to_id IS NOT NULL;--> statement-breakpoint
CREATE INDEX "messages_conversation_idx" ON "messages" USING btree ("conversation_id","seq") WHERE conversation_id IS NOT NULL;