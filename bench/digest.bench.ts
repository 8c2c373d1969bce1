import { performance } from 'node:perf_hooks';
import { openMigratedDb } from '../src/db/migrate.js';
import { buildDigest } from '../src/digest/build.js';
import { renderChart } from '../src/digest/chart.js';
import { renderDetails, renderSummary } from '../src/digest/slack/render.js';
import { previousWeek } from '../src/digest/week.js';

/**
 * One year of data: 50,000 incidents, 1,000,000 timeline events, recurrence links and follow-ups.
 * Measures building the digest of the last full week (goal ≤ 500 ms), then rendering and the chart.
 */
const INCIDENTS = 50_000;
const EVENTS = 1_000_000;
const YEAR = 365 * 24 * 3_600_000;
const NOW = new Date('2026-11-23T09:00:00Z');

function rng(seed: number) {
  let s = seed >>> 0;
  return () => {
    s = (s * 1664525 + 1013904223) >>> 0;
    return s / 2 ** 32;
  };
}

export async function run(): Promise<void> {
  const db = openMigratedDb(':memory:');
  const sqlite = db.$client;
  const rand = rng(42);
  const t0 = performance.now();
  const insInc = sqlite.prepare(
    `insert into incidents (number, title, severity, status, is_private, declared_by, started_at, declared_at,
      acknowledged_at, resolved_at, root_cause_summary, root_cause_category, imported, channel_id)
     values (?, ?, ?, ?, ?, 'U0ALICE', ?, ?, ?, ?, ?, ?, ?, ?)`,
  );
  const insEv = sqlite.prepare(
    `insert into timeline_events (incident_id, kind, text, occurred_at, recorded_at) values (?, 'message', ?, ?, ?)`,
  );
  const insLink = sqlite.prepare(
    `insert or ignore into recurrence_links (incident_id, related_id, score, level, explanation, feedback, created_at)
     values (?, ?, 0.8, ?, '{}', ?, ?)`,
  );
  const insFu = sqlite.prepare(
    `insert into follow_ups (incident_id, text, owner_id, due_date, status, created_by, created_at)
     values (?, 'Add an alert', ?, ?, ?, 'U0ALICE', ?)`,
  );
  const categories = ['deploy/change', 'configuration', 'capacity', 'dependency failure', 'network', null];
  sqlite.transaction(() => {
    const start = NOW.getTime() - YEAR;
    for (let i = 1; i <= INCIDENTS; i++) {
      const declared = start + Math.floor(((i - 1) / INCIDENTS) * YEAR);
      const ack = rand() < 0.9 ? declared + Math.floor(rand() * 3_600_000) : null;
      const resolved =
        declared < NOW.getTime() - 86_400_000 || rand() < 0.5
          ? declared + Math.floor(rand() * 86_400_000)
          : null;
      insInc.run(
        i,
        `Incident ${i}`,
        1 + Math.floor(rand() * 4),
        resolved ? 'resolved' : 'investigating',
        rand() < 0.1 ? 1 : 0,
        declared,
        declared,
        ack,
        resolved,
        resolved && rand() < 0.8 ? 'cause' : null,
        categories[Math.floor(rand() * categories.length)] ?? null,
        i < 5000 ? 1 : 0,
        `C${i}`,
      );
      if (i > 10 && rand() < 0.15) {
        const fb = rand();
        insLink.run(
          i,
          i - 1 - Math.floor(rand() * 10),
          rand() < 0.6 ? 'warning' : 'possible',
          fb < 0.3 ? 'same' : fb < 0.4 ? 'unrelated' : null,
          declared,
        );
      }
      if (rand() < 0.4) {
        const due = new Date(declared + 14 * 86_400_000).toISOString().slice(0, 10);
        insFu.run(i, `U0X${i % 40}`, due, rand() < 0.7 ? 'done' : 'open', declared);
      }
    }
    for (let e = 0; e < EVENTS; e++) {
      const inc = 1 + (e % INCIDENTS);
      const at = start + Math.floor(((inc - 1) / INCIDENTS) * YEAR) + e;
      insEv.run(inc, 'Something happened in the incident channel', at, at);
    }
  })();
  const links = (sqlite.prepare('select count(*) as n from recurrence_links').get() as { n: number }).n;
  const fus = (sqlite.prepare('select count(*) as n from follow_ups').get() as { n: number }).n;
  console.log(
    `data: ${INCIDENTS} incidents, ${EVENTS} timeline events, ${links} recurrence links, ${fus} follow-ups (seeded in ${Math.round(performance.now() - t0)} ms)`,
  );

  const week = previousWeek(NOW, 'UTC');
  const times: number[] = [];
  let digest = buildDigest(db, { week, now: NOW });
  for (let i = 0; i < 7; i++) {
    const s = performance.now();
    digest = buildDigest(db, { week, now: NOW });
    times.push(performance.now() - s);
  }
  times.sort((a, b) => a - b);
  const med = times[Math.floor(times.length / 2)] ?? 0;
  let s = performance.now();
  renderSummary(digest);
  renderDetails(digest);
  const renderMs = performance.now() - s;
  // Each chart is drawn in a fresh worker that loads Vega, Vega-Lite, resvg and the font; the first
  // also pays for the process's first worker and the disk cache.
  s = performance.now();
  let png = await renderChart(digest.chart);
  const firstChartMs = performance.now() - s;
  const chartTimes: number[] = [];
  for (let i = 0; i < 10; i++) {
    s = performance.now();
    png = await renderChart(digest.chart);
    chartTimes.push(performance.now() - s);
  }
  chartTimes.sort((a, b) => a - b);
  const chartMs = chartTimes[Math.floor(chartTimes.length / 2)] ?? 0;
  console.log(
    `digest build: median ${med.toFixed(1)} ms, max ${(times.at(-1) ?? 0).toFixed(1)} ms over ${times.length} runs (goal ≤ 500 ms: ${med <= 500 ? 'met' : 'MISSED'}, ${(500 / med).toFixed(1)}× headroom)`,
  );
  console.log(
    `week ${week.key}: ${digest.declared.now.total} declared, ${digest.repeats.problems.length} recurring problems, ${digest.overdue.total} overdue follow-ups`,
  );
  console.log(
    `render: ${renderMs.toFixed(1)} ms; chart PNG: median ${chartMs.toFixed(1)} ms over ${chartTimes.length} runs (in a worker that loads the libraries each time; the first: ${firstChartMs.toFixed(1)} ms), ${png.length} bytes`,
  );
  db.$client.close();
}
