-- CreateTable
CREATE TABLE `sessions` (
    `pk` INTEGER NOT NULL AUTO_INCREMENT,
    `app_name` VARCHAR(191) NOT NULL,
    `user_id` VARCHAR(191) NOT NULL,
    `id` VARCHAR(191) NOT NULL,
    `state` LONGTEXT NOT NULL,
    `last_seq` INTEGER NOT NULL DEFAULT 0,
    `compaction_seq` INTEGER NULL,
    `created_at` DATETIME(3) NOT NULL DEFAULT CURRENT_TIMESTAMP(3),
    `updated_at` DATETIME(3) NOT NULL DEFAULT CURRENT_TIMESTAMP(3),

    INDEX `sessions_app_name_user_id_updated_at_idx`(`app_name`, `user_id`, `updated_at`),
    INDEX `sessions_updated_at_idx`(`updated_at`),
    UNIQUE INDEX `sessions_app_name_user_id_id_key`(`app_name`, `user_id`, `id`),
    PRIMARY KEY (`pk`)
) DEFAULT CHARACTER SET utf8mb4 COLLATE utf8mb4_bin;

-- CreateTable
CREATE TABLE `events` (
    `session_pk` INTEGER NOT NULL,
    `seq` INTEGER NOT NULL,
    `id` VARCHAR(191) NOT NULL,
    `invocation_id` VARCHAR(191) NOT NULL,
    `author` VARCHAR(191) NOT NULL,
    `message_id` VARCHAR(191) NULL,
    `content` LONGTEXT NULL,
    `actions` LONGTEXT NULL,
    `usage` LONGTEXT NULL,
    `timestamp` DATETIME(3) NOT NULL,

    UNIQUE INDEX `events_session_pk_message_id_key`(`session_pk`, `message_id`),
    PRIMARY KEY (`session_pk`, `seq`)
) DEFAULT CHARACTER SET utf8mb4 COLLATE utf8mb4_bin;

-- CreateTable
CREATE TABLE `app_states` (
    `app_name` VARCHAR(191) NOT NULL,
    `state` LONGTEXT NOT NULL,
    `updated_at` DATETIME(3) NOT NULL DEFAULT CURRENT_TIMESTAMP(3),

    PRIMARY KEY (`app_name`)
) DEFAULT CHARACTER SET utf8mb4 COLLATE utf8mb4_bin;

-- CreateTable
CREATE TABLE `user_states` (
    `app_name` VARCHAR(191) NOT NULL,
    `user_id` VARCHAR(191) NOT NULL,
    `state` LONGTEXT NOT NULL,
    `updated_at` DATETIME(3) NOT NULL DEFAULT CURRENT_TIMESTAMP(3),

    PRIMARY KEY (`app_name`, `user_id`)
) DEFAULT CHARACTER SET utf8mb4 COLLATE utf8mb4_bin;

-- CreateTable
CREATE TABLE `a2a_tasks` (
    `id` VARCHAR(191) NOT NULL,
    `app_name` VARCHAR(191) NOT NULL,
    `context_id` VARCHAR(191) NOT NULL,
    `data` LONGTEXT NOT NULL,
    `created_at` DATETIME(3) NOT NULL DEFAULT CURRENT_TIMESTAMP(3),
    `updated_at` DATETIME(3) NOT NULL DEFAULT CURRENT_TIMESTAMP(3),

    INDEX `a2a_tasks_app_name_context_id_idx`(`app_name`, `context_id`),
    PRIMARY KEY (`id`)
) DEFAULT CHARACTER SET utf8mb4 COLLATE utf8mb4_bin;

-- AddForeignKey
ALTER TABLE `events` ADD CONSTRAINT `events_session_pk_fkey` FOREIGN KEY (`session_pk`) REFERENCES `sessions`(`pk`) ON DELETE CASCADE ON UPDATE CASCADE;
