ALTER TABLE `incidents` ADD `import_source` text;--> statement-breakpoint
ALTER TABLE `incidents` ADD `external_key` text;--> statement-breakpoint
ALTER TABLE `incidents` ADD `external_url` text;