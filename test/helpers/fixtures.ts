/**
 * Incident titles about unrelated problems: seeded before a recurrence test so that common words
 * are common and only what an incident really shares with another one stands out.
 */
export const BACKGROUND_TITLES: readonly string[] = [
  'Search results stale after reindex job stalled',
  'Login emails delayed by mail provider throttling',
  'Mobile app crashes on launch for Android 14',
  'Billing invoices generated twice for annual plans',
  'CDN serving old assets after cache purge failed',
  'Kafka consumer lag on the events pipeline',
];
