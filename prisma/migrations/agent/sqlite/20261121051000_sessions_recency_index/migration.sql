-- CreateIndex
-- listSessions orders by updated_at DESC, id DESC: with id in the index no sort is needed. Created
-- before the index it replaces is dropped, so the listing is never without one.
CREATE INDEX "sessions_app_name_user_id_updated_at_id_idx" ON "sessions"("app_name", "user_id", "updated_at", "id");

-- DropIndex
DROP INDEX "sessions_app_name_user_id_updated_at_idx";
