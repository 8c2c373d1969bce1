CREATE TABLE `tracker_cursor` (
	`id` integer PRIMARY KEY NOT NULL,
	`timeline_id` integer NOT NULL,
	`polled_at` integer
);
--> statement-breakpoint
CREATE TABLE `tracker_ops` (
	`id` integer PRIMARY KEY AUTOINCREMENT NOT NULL,
	`follow_up_id` integer NOT NULL,
	`action` text NOT NULL,
	`status` text DEFAULT 'pending' NOT NULL,
	`attempts` integer DEFAULT 0 NOT NULL,
	`next_at` integer NOT NULL,
	`last_error` text,
	`requested_by` text,
	`announce` integer DEFAULT false NOT NULL,
	`failure_noticed` integer DEFAULT false NOT NULL,
	`created_at` integer NOT NULL,
	`updated_at` integer NOT NULL,
	FOREIGN KEY (`follow_up_id`) REFERENCES `follow_ups`(`id`) ON UPDATE no action ON DELETE cascade
);
--> statement-breakpoint
CREATE INDEX `tracker_ops_due_idx` ON `tracker_ops` (`status`,`next_at`);--> statement-breakpoint
CREATE INDEX `tracker_ops_follow_up_idx` ON `tracker_ops` (`follow_up_id`);--> statement-breakpoint
ALTER TABLE `follow_ups` ADD `ticket_tracker` text;--> statement-breakpoint
ALTER TABLE `follow_ups` ADD `ticket_ref` text;--> statement-breakpoint
ALTER TABLE `follow_ups` ADD `ticket_key` text;--> statement-breakpoint
ALTER TABLE `follow_ups` ADD `ticket_url` text;--> statement-breakpoint
ALTER TABLE `follow_ups` ADD `ticket_state` text;--> statement-breakpoint
ALTER TABLE `follow_ups` ADD `ticket_assignee` text;--> statement-breakpoint
ALTER TABLE `follow_ups` ADD `ticket_due` text;--> statement-breakpoint
CREATE INDEX `follow_ups_ticket_idx` ON `follow_ups` (`ticket_tracker`,`ticket_ref`);