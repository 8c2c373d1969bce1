ALTER TABLE `slack_users` ADD `handle` text;--> statement-breakpoint
ALTER TABLE `slack_users` ADD `real_name` text;--> statement-breakpoint
ALTER TABLE `slack_users` ADD `listed_at` integer;