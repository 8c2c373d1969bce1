CREATE TABLE `alert_groups` (
	`id` integer PRIMARY KEY AUTOINCREMENT NOT NULL,
	`group_key` text NOT NULL,
	`source` text NOT NULL,
	`route_name` text,
	`channel` text NOT NULL,
	`severity` integer NOT NULL,
	`services` text DEFAULT '[]' NOT NULL,
	`auto_declare` integer DEFAULT false NOT NULL,
	`card_channel` text,
	`card_ts` text,
	`version` integer DEFAULT 1 NOT NULL,
	`rendered_version` integer DEFAULT 0 NOT NULL,
	`incident_id` integer,
	`handled_via` text,
	`handled_by` text,
	`dismissed_until` integer,
	`dismissed_by` text,
	`card_error` text,
	`created_at` integer NOT NULL,
	`updated_at` integer NOT NULL,
	FOREIGN KEY (`incident_id`) REFERENCES `incidents`(`id`) ON UPDATE no action ON DELETE set null
);
--> statement-breakpoint
CREATE INDEX `alert_groups_key_idx` ON `alert_groups` (`group_key`,`updated_at`);--> statement-breakpoint
CREATE INDEX `alert_groups_incident_idx` ON `alert_groups` (`incident_id`);--> statement-breakpoint
CREATE INDEX `alert_groups_due_idx` ON `alert_groups` (`version`,`rendered_version`);--> statement-breakpoint
CREATE TABLE `alerts` (
	`id` integer PRIMARY KEY AUTOINCREMENT NOT NULL,
	`source` text NOT NULL,
	`fingerprint` text NOT NULL,
	`status` text NOT NULL,
	`title` text NOT NULL,
	`description` text DEFAULT '' NOT NULL,
	`severity` text,
	`service` text,
	`labels` text DEFAULT '{}' NOT NULL,
	`url` text,
	`starts_at` integer NOT NULL,
	`ends_at` integer,
	`fire_count` integer DEFAULT 1 NOT NULL,
	`group_id` integer NOT NULL,
	`incident_id` integer,
	`first_seen_at` integer NOT NULL,
	`last_seen_at` integer NOT NULL,
	FOREIGN KEY (`group_id`) REFERENCES `alert_groups`(`id`) ON UPDATE no action ON DELETE no action,
	FOREIGN KEY (`incident_id`) REFERENCES `incidents`(`id`) ON UPDATE no action ON DELETE set null
);
--> statement-breakpoint
CREATE UNIQUE INDEX `alerts_fingerprint_unique` ON `alerts` (`source`,`fingerprint`);--> statement-breakpoint
CREATE INDEX `alerts_group_idx` ON `alerts` (`group_id`,`status`);--> statement-breakpoint
CREATE INDEX `alerts_incident_idx` ON `alerts` (`incident_id`,`status`);