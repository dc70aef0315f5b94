-- CreateTable
CREATE TABLE `session_compactions` (
    `id` VARCHAR(191) NOT NULL,
    `session_id` VARCHAR(191) NOT NULL,
    `user_id` VARCHAR(191) NOT NULL,
    `agent` VARCHAR(191) NOT NULL,
    `task_id` VARCHAR(191) NULL,
    `reason` VARCHAR(191) NOT NULL,
    `turns_compacted` INTEGER NOT NULL,
    `tokens_before` INTEGER NOT NULL,
    `tokens_after` INTEGER NOT NULL,
    `summary` LONGTEXT NULL,
    `agent_seq` INTEGER NULL,
    `details` LONGTEXT NULL,
    `created_at` DATETIME(3) NOT NULL DEFAULT CURRENT_TIMESTAMP(3),

    INDEX `session_compactions_session_id_created_at_idx`(`session_id`, `created_at`),
    UNIQUE INDEX `session_compactions_session_id_agent_seq_key`(`session_id`, `agent_seq`),
    PRIMARY KEY (`id`)
) DEFAULT CHARACTER SET utf8mb4 COLLATE utf8mb4_bin;

-- AddForeignKey
ALTER TABLE `session_compactions` ADD CONSTRAINT `session_compactions_session_id_fkey` FOREIGN KEY (`session_id`) REFERENCES `sessions`(`id`) ON DELETE CASCADE ON UPDATE CASCADE;
