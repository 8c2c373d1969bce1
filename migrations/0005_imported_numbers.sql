-- Imported history used to take INC numbers (3,579 imported records made the first real incident
-- INC-3580). Imported rows move to the negative space; real incidents keep their numbers.
UPDATE `incidents` SET `number` = -`number` WHERE `imported` = 1 AND `number` > 0;--> statement-breakpoint
UPDATE `incidents` SET `import_source` = 'firebreak', `external_key` = CASE WHEN `external_id` LIKE 'sha1:%' THEN NULL ELSE `external_id` END WHERE `imported` = 1 AND `import_source` IS NULL;
