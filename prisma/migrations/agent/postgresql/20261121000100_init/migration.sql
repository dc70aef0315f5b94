-- CreateTable
CREATE TABLE "sessions" (
    "pk" SERIAL NOT NULL,
    "app_name" TEXT NOT NULL,
    "user_id" TEXT NOT NULL,
    "id" TEXT NOT NULL,
    "state" TEXT NOT NULL,
    "last_seq" INTEGER NOT NULL DEFAULT 0,
    "compaction_seq" INTEGER,
    "created_at" TIMESTAMP(3) NOT NULL DEFAULT CURRENT_TIMESTAMP,
    "updated_at" TIMESTAMP(3) NOT NULL DEFAULT CURRENT_TIMESTAMP,

    CONSTRAINT "sessions_pkey" PRIMARY KEY ("pk")
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
    "timestamp" TIMESTAMP(3) NOT NULL,

    CONSTRAINT "events_pkey" PRIMARY KEY ("session_pk","seq")
);

-- CreateTable
CREATE TABLE "app_states" (
    "app_name" TEXT NOT NULL,
    "state" TEXT NOT NULL,
    "updated_at" TIMESTAMP(3) NOT NULL DEFAULT CURRENT_TIMESTAMP,

    CONSTRAINT "app_states_pkey" PRIMARY KEY ("app_name")
);

-- CreateTable
CREATE TABLE "user_states" (
    "app_name" TEXT NOT NULL,
    "user_id" TEXT NOT NULL,
    "state" TEXT NOT NULL,
    "updated_at" TIMESTAMP(3) NOT NULL DEFAULT CURRENT_TIMESTAMP,

    CONSTRAINT "user_states_pkey" PRIMARY KEY ("app_name","user_id")
);

-- CreateTable
CREATE TABLE "a2a_tasks" (
    "id" TEXT NOT NULL,
    "app_name" TEXT NOT NULL,
    "context_id" TEXT NOT NULL,
    "data" TEXT NOT NULL,
    "created_at" TIMESTAMP(3) NOT NULL DEFAULT CURRENT_TIMESTAMP,
    "updated_at" TIMESTAMP(3) NOT NULL DEFAULT CURRENT_TIMESTAMP,

    CONSTRAINT "a2a_tasks_pkey" PRIMARY KEY ("id")
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

-- AddForeignKey
ALTER TABLE "events" ADD CONSTRAINT "events_session_pk_fkey" FOREIGN KEY ("session_pk") REFERENCES "sessions"("pk") ON DELETE CASCADE ON UPDATE CASCADE;
