-- CreateTable
CREATE TABLE "session_compactions" (
    "id" TEXT NOT NULL PRIMARY KEY,
    "session_id" TEXT NOT NULL,
    "user_id" TEXT NOT NULL,
    "agent" TEXT NOT NULL,
    "task_id" TEXT,
    "reason" TEXT NOT NULL,
    "turns_compacted" INTEGER NOT NULL,
    "tokens_before" INTEGER NOT NULL,
    "tokens_after" INTEGER NOT NULL,
    "summary" TEXT,
    "agent_seq" INTEGER,
    "details" TEXT,
    "created_at" DATETIME NOT NULL DEFAULT CURRENT_TIMESTAMP,
    CONSTRAINT "session_compactions_session_id_fkey" FOREIGN KEY ("session_id") REFERENCES "sessions" ("id") ON DELETE CASCADE ON UPDATE CASCADE
);

-- CreateIndex
CREATE INDEX "session_compactions_session_id_created_at_idx" ON "session_compactions"("session_id", "created_at");

-- CreateIndex
CREATE UNIQUE INDEX "session_compactions_session_id_agent_seq_key" ON "session_compactions"("session_id", "agent_seq");
