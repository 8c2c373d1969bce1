CREATE TABLE `digest_runs` (
	`week_start` text PRIMARY KEY NOT NULL,
	`status` text NOT NULL,
	`attempts` integer DEFAULT 0 NOT NULL,
	`claimed_at` integer NOT NULL,
	`lease_until` integer NOT NULL,
	`posted_at` integer,
	`channel` text,
	`ts` text,
	`last_error` text
);
--> statement-breakpoint
CREATE TABLE `effects` (
	`id` integer PRIMARY KEY AUTOINCREMENT NOT NULL,
	`key` text NOT NULL,
	`incident_id` integer,
	`kind` text NOT NULL,
	`status` text DEFAULT 'pending' NOT NULL,
	`attempts` integer DEFAULT 0 NOT NULL,
	`result` text,
	`last_error` text,
	`created_at` integer NOT NULL,
	`updated_at` integer NOT NULL,
	FOREIGN KEY (`incident_id`) REFERENCES `incidents`(`id`) ON UPDATE no action ON DELETE cascade
);
--> statement-breakpoint
CREATE UNIQUE INDEX `effects_key_unique` ON `effects` (`key`);--> statement-breakpoint
CREATE INDEX `effects_status_idx` ON `effects` (`status`);--> statement-breakpoint
CREATE TABLE `follow_ups` (
	`id` integer PRIMARY KEY AUTOINCREMENT NOT NULL,
	`incident_id` integer NOT NULL,
	`text` text NOT NULL,
	`owner_id` text,
	`due_date` text,
	`status` text DEFAULT 'open' NOT NULL,
	`created_by` text NOT NULL,
	`created_at` integer NOT NULL,
	`done_at` integer,
	`done_by` text,
	`snoozed_until` text,
	`source_key` text,
	`source_channel` text,
	`source_ts` text,
	FOREIGN KEY (`incident_id`) REFERENCES `incidents`(`id`) ON UPDATE no action ON DELETE cascade
);
--> statement-breakpoint
CREATE INDEX `follow_ups_incident_idx` ON `follow_ups` (`incident_id`);--> statement-breakpoint
CREATE INDEX `follow_ups_owner_idx` ON `follow_ups` (`owner_id`,`status`);--> statement-breakpoint
CREATE UNIQUE INDEX `follow_ups_source_unique` ON `follow_ups` (`incident_id`,`source_key`);--> statement-breakpoint
CREATE TABLE `incident_roles` (
	`id` integer PRIMARY KEY AUTOINCREMENT NOT NULL,
	`incident_id` integer NOT NULL,
	`role` text NOT NULL,
	`user_id` text NOT NULL,
	`assigned_by` text NOT NULL,
	`assigned_at` integer NOT NULL,
	FOREIGN KEY (`incident_id`) REFERENCES `incidents`(`id`) ON UPDATE no action ON DELETE cascade
);
--> statement-breakpoint
CREATE UNIQUE INDEX `incident_roles_unique` ON `incident_roles` (`incident_id`,`role`);--> statement-breakpoint
CREATE TABLE `incidents` (
	`id` integer PRIMARY KEY AUTOINCREMENT NOT NULL,
	`number` integer NOT NULL,
	`title` text NOT NULL,
	`description` text DEFAULT '' NOT NULL,
	`severity` integer NOT NULL,
	`status` text DEFAULT 'investigating' NOT NULL,
	`is_private` integer DEFAULT false NOT NULL,
	`services` text DEFAULT '[]' NOT NULL,
	`tags` text DEFAULT '[]' NOT NULL,
	`channel_id` text,
	`channel_name` text,
	`summary_ts` text,
	`announcement_channel` text,
	`announcement_ts` text,
	`setup_error` text,
	`declared_by` text NOT NULL,
	`lead_id` text,
	`source_channel` text,
	`source_ts` text,
	`source_permalink` text,
	`started_at` integer NOT NULL,
	`declared_at` integer NOT NULL,
	`acknowledged_at` integer,
	`mitigated_at` integer,
	`resolved_at` integer,
	`closed_at` integer,
	`archived_at` integer,
	`root_cause_summary` text,
	`root_cause_category` text,
	`contributing_factors` text DEFAULT '[]' NOT NULL,
	`root_cause_pending` integer DEFAULT false NOT NULL,
	`resolution_summary` text,
	`imported` integer DEFAULT false NOT NULL,
	`external_id` text,
	`created_at` integer DEFAULT (cast(unixepoch('subsec') * 1000 as integer)) NOT NULL,
	`updated_at` integer DEFAULT (cast(unixepoch('subsec') * 1000 as integer)) NOT NULL
);
--> statement-breakpoint
CREATE UNIQUE INDEX `incidents_number_unique` ON `incidents` (`number`);--> statement-breakpoint
CREATE UNIQUE INDEX `incidents_external_id_unique` ON `incidents` (`external_id`);--> statement-breakpoint
CREATE INDEX `incidents_status_idx` ON `incidents` (`status`);--> statement-breakpoint
CREATE INDEX `incidents_declared_idx` ON `incidents` (`declared_at`);--> statement-breakpoint
CREATE INDEX `incidents_resolved_idx` ON `incidents` (`resolved_at`);--> statement-breakpoint
CREATE UNIQUE INDEX `incidents_channel_idx` ON `incidents` (`channel_id`);--> statement-breakpoint
CREATE TABLE `recurrence_links` (
	`id` integer PRIMARY KEY AUTOINCREMENT NOT NULL,
	`incident_id` integer NOT NULL,
	`related_id` integer NOT NULL,
	`score` real NOT NULL,
	`level` text NOT NULL,
	`explanation` text NOT NULL,
	`shown_at` integer,
	`message_channel` text,
	`message_ts` text,
	`feedback` text,
	`feedback_by` text,
	`feedback_at` integer,
	`created_at` integer NOT NULL,
	FOREIGN KEY (`incident_id`) REFERENCES `incidents`(`id`) ON UPDATE no action ON DELETE cascade,
	FOREIGN KEY (`related_id`) REFERENCES `incidents`(`id`) ON UPDATE no action ON DELETE cascade
);
--> statement-breakpoint
CREATE UNIQUE INDEX `recurrence_pair_unique` ON `recurrence_links` (`incident_id`,`related_id`);--> statement-breakpoint
CREATE INDEX `recurrence_related_idx` ON `recurrence_links` (`related_id`);--> statement-breakpoint
CREATE TABLE `reminders` (
	`id` integer PRIMARY KEY AUTOINCREMENT NOT NULL,
	`kind` text NOT NULL,
	`subject_id` integer NOT NULL,
	`slot` text NOT NULL,
	`user_id` text NOT NULL,
	`status` text NOT NULL,
	`attempts` integer DEFAULT 0 NOT NULL,
	`last_error` text,
	`claimed_at` integer NOT NULL,
	`sent_at` integer,
	`message_ts` text
);
--> statement-breakpoint
CREATE UNIQUE INDEX `reminders_slot_unique` ON `reminders` (`kind`,`subject_id`,`slot`);--> statement-breakpoint
CREATE TABLE `slack_events` (
	`event_id` text PRIMARY KEY NOT NULL,
	`type` text NOT NULL,
	`payload` text NOT NULL,
	`status` text DEFAULT 'pending' NOT NULL,
	`attempts` integer DEFAULT 0 NOT NULL,
	`last_error` text,
	`received_at` integer NOT NULL,
	`processed_at` integer
);
--> statement-breakpoint
CREATE INDEX `slack_events_status_idx` ON `slack_events` (`status`);--> statement-breakpoint
CREATE TABLE `slack_users` (
	`id` text PRIMARY KEY NOT NULL,
	`name` text NOT NULL,
	`tz` text DEFAULT 'UTC' NOT NULL,
	`is_bot` integer DEFAULT false NOT NULL,
	`fetched_at` integer NOT NULL
);
--> statement-breakpoint
CREATE TABLE `timeline_edits` (
	`id` integer PRIMARY KEY AUTOINCREMENT NOT NULL,
	`event_id` integer NOT NULL,
	`change` text NOT NULL,
	`previous_text` text NOT NULL,
	`changed_at` integer NOT NULL,
	`changed_by` text,
	FOREIGN KEY (`event_id`) REFERENCES `timeline_events`(`id`) ON UPDATE no action ON DELETE cascade
);
--> statement-breakpoint
CREATE INDEX `timeline_edits_event_idx` ON `timeline_edits` (`event_id`);--> statement-breakpoint
CREATE TABLE `timeline_events` (
	`id` integer PRIMARY KEY AUTOINCREMENT NOT NULL,
	`incident_id` integer NOT NULL,
	`kind` text NOT NULL,
	`text` text DEFAULT '' NOT NULL,
	`author_id` text,
	`data` text,
	`source_channel` text,
	`source_ts` text,
	`permalink` text,
	`files` text DEFAULT '[]' NOT NULL,
	`occurred_at` integer NOT NULL,
	`recorded_at` integer NOT NULL,
	`source_key` text,
	`captured_via` text,
	`redacted` integer DEFAULT false NOT NULL,
	`edited_at` integer,
	`removed_at` integer,
	`removed_reason` text,
	FOREIGN KEY (`incident_id`) REFERENCES `incidents`(`id`) ON UPDATE no action ON DELETE cascade
);
--> statement-breakpoint
CREATE INDEX `timeline_incident_idx` ON `timeline_events` (`incident_id`,`occurred_at`);--> statement-breakpoint
CREATE UNIQUE INDEX `timeline_source_unique` ON `timeline_events` (`incident_id`,`source_key`);--> statement-breakpoint
CREATE INDEX `timeline_source_idx` ON `timeline_events` (`source_channel`,`source_ts`);