-- CreateTable
CREATE TABLE "sessions" (
    "pk" INTEGER NOT NULL PRIMARY KEY AUTOINCREMENT,
    "app_name" TEXT NOT NULL,
    "user_id" TEXT NOT NULL,
    "id" TEXT NOT NULL,
    "state" TEXT NOT NULL,
    "last_seq" INTEGER NOT NULL DEFAULT 0,
    "compaction_seq" INTEGER,
    "created_at" DATETIME NOT NULL DEFAULT CURRENT_TIMESTAMP,
    "updated_at" DATETIME NOT NULL DEFAULT CURRENT_TIMESTAMP
);

-- CreateTable
CREATE TABLE "events" (
    "session_pk" INTEGER NOT NULL,
    "seq" INTEGER NOT NULL,
    "id" TEXT NOT NULL,
    "invocation_id" TEXT NOT NULL,
    "author" TEXT NOT NULL,
    "message_id" TEXT,
    "content" TEXT,
    "actions" TEXT,
    "usage" TEXT,
    "timestamp" DATETIME NOT NULL,

    PRIMARY KEY ("session_pk", "seq"),
    CONSTRAINT "events_session_pk_fkey" FOREIGN KEY ("session_pk") REFERENCES "sessions" ("pk") ON DELETE CASCADE ON UPDATE CASCADE
);

-- CreateTable
CREATE TABLE "app_states" (
    "app_name" TEXT NOT NULL PRIMARY KEY,
    "state" TEXT NOT NULL,
    "updated_at" DATETIME NOT NULL DEFAULT CURRENT_TIMESTAMP
);

-- CreateTable
CREATE TABLE "user_states" (
    "app_name" TEXT NOT NULL,
    "user_id" TEXT NOT NULL,
    "state" TEXT NOT NULL,
    "updated_at" DATETIME NOT NULL DEFAULT CURRENT_TIMESTAMP,

    PRIMARY KEY ("app_name", "user_id")
);

-- CreateTable
CREATE TABLE "a2a_tasks" (
    "id" TEXT NOT NULL PRIMARY KEY,
    "app_name" TEXT NOT NULL,
    "context_id" TEXT NOT NULL,
    "data" TEXT NOT NULL,
    "created_at" DATETIME NOT NULL DEFAULT CURRENT_TIMESTAMP,
    "updated_at" DATETIME NOT NULL DEFAULT CURRENT_TIMESTAMP
);

-- CreateIndex
CREATE INDEX "sessions_app_name_user_id_updated_at_idx" ON "sessions"("app_name", "user_id", "updated_at");

-- CreateIndex
CREATE INDEX "sessions_updated_at_idx" ON "sessions"("updated_at");

-- CreateIndex
CREATE UNIQUE INDEX "sessions_app_name_user_id_id_key" ON "sessions"("app_name", "user_id", "id");

-- CreateIndex
CREATE UNIQUE INDEX "events_session_pk_message_id_key" ON "events"("session_pk", "message_id");

-- CreateIndex
CREATE INDEX "a2a_tasks_app_name_context_id_idx" ON "a2a_tasks"("app_name", "context_id");
