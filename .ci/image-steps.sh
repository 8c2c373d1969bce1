#!/usr/bin/env bash
# The Dockerfile's commands, run without Docker (no engine in CI): the same three stages in temp
# folders, then the runtime folder is made read-only and the bot started from it against the local
# Slack simulator. Checks: the bundle starts with no build step and no dev dependencies, writes
# nothing into the app folder, answers the HEALTHCHECK command, /readyz, and stops on SIGTERM; the
# restore, backup and doctor entry points run from the image's files too.
set -euo pipefail
cd "$(dirname "$0")/.."
repo="$PWD"
tmp="$(mktemp -d)"
sim_pid=""; bot_pid=""
cleanup() {
  [ -n "$bot_pid" ] && kill "$bot_pid" 2>/dev/null || true
  [ -n "$sim_pid" ] && kill "$sim_pid" 2>/dev/null || true
  chmod -R u+w "$tmp" 2>/dev/null || true
  rm -rf "$tmp"
}
trap cleanup EXIT
step() { echo "image-steps: $*"; }

# Stage 1 (deps): COPY package.json package-lock.json; npm ci --omit=dev --ignore-scripts; npm rebuild …
mkdir -p "$tmp/deps"
cp package.json package-lock.json "$tmp/deps/"
step "npm ci --omit=dev --ignore-scripts && npm rebuild better-sqlite3 esbuild"
(cd "$tmp/deps" && npm ci --omit=dev --ignore-scripts --no-audit --no-fund --prefer-offline --loglevel=error \
  && npm rebuild better-sqlite3 esbuild --loglevel=error)
[ ! -e "$tmp/deps/node_modules/vitest" ] || { echo "dev dependencies were installed"; exit 1; }

# Stage 2 (build): COPY tsconfig.json src; npm run build
cp -a "$tmp/deps" "$tmp/build"
cp tsconfig.json "$tmp/build/"
cp -a src "$tmp/build/src"
step "npm run build"
(cd "$tmp/build" && npm run --silent build)

# The digest chart's renderer is a native binary from an optional dependency, its font an npm
# package and its worker a bundle entry: all must be in a production install and build. The check
# sits beside the bundle (as main.mjs does) and is removed before the runtime stage copies dist/.
step "the digest chart renders from the bundle and production dependencies alone"
(cd "$tmp/build" \
  && node_modules/.bin/esbuild src/digest/chart.ts --bundle --platform=node --format=esm --packages=external \
    --outfile=dist/src/chart-check.mjs --log-level=warning \
  && node --input-type=module -e '
const { renderChart } = await import("./dist/src/chart-check.mjs");
const weeks = Array.from({ length: 12 }, (_, i) => ({ key: `k${i}`, label: `w${i}`,
  bySeverity: { 1: i % 2, 2: 1, 3: 2, 4: 0 }, total: (i % 2) + 3, repeatRate: i / 12 }));
const png = await renderChart(weeks);
if (png.subarray(0, 8).toString("hex") !== "89504e470d0a1a0a" || png.readUInt32BE(16) !== 800 || png.length < 10000)
  throw new Error("the chart did not render as an 800-pixel-wide PNG");
' \
  && rm dist/src/chart-check.mjs)

# Stage 3 (runtime): node_modules from deps, dist from build, package.json manifest.yml migrations.
app="$tmp/app"
mkdir -p "$app" "$tmp/data"
cp -a "$tmp/deps/node_modules" "$app/"
cp -a "$tmp/build/dist" "$app/"
cp package.json manifest.yml "$app/"
cp -a migrations "$app/"
chmod -R a-w "$app"
marker="$tmp/marker"; touch "$marker"; sleep 1

# A local Slack for auth.test and the doctor (from the repository, not the image).
sim_out="$tmp/sim.out"
node --import tsx -e '
import("./sim/web-api.ts").then(async (m) => {
  const s = await m.startSimulator();
  console.log(s.apiUrl + " " + s.token);
});' >"$sim_out" &
sim_pid=$!
for _ in $(seq 100); do [ -s "$sim_out" ] && break; sleep 0.1; done
read -r api_url bot_token <"$sim_out"

port="$(node -e 's=require("net").createServer().listen(0,()=>{console.log(s.address().port);s.close()})')"
export SLACK_BOT_TOKEN="$bot_token" SLACK_SIGNING_SECRET=image-steps-secret SLACK_API_URL="$api_url" \
  PORT="$port" DATABASE_PATH="$tmp/data/firebreak.db" METRICS_TOKEN=image-steps-metrics-token NODE_ENV=production \
  MALLOC_ARENA_MAX=2 MALLOC_MMAP_THRESHOLD_=131072 LOG_LEVEL=info

step "CMD node --max-semi-space-size=1 --liftoff-only --expose-gc dist/src/main.mjs (read-only app folder)"
(cd "$app" && exec node --max-semi-space-size=1 --liftoff-only --expose-gc dist/src/main.mjs) 2>"$tmp/bot.log" &
bot_pid=$!
for _ in $(seq 300); do grep -q "listening on port" "$tmp/bot.log" && break; sleep 0.1; done
grep -q "listening on port" "$tmp/bot.log" || { cat "$tmp/bot.log"; exit 1; }

step "HEALTHCHECK"
(cd "$app" && node -e "fetch('http://127.0.0.1:'+(process.env.PORT||3000)+'/healthz').then(r=>process.exit(r.ok?0:1),()=>process.exit(1))")
code="$(node -e "fetch('http://127.0.0.1:$port/readyz').then(r=>console.log(r.status))")"
[ "$code" = 200 ] || { echo "/readyz answered $code"; exit 1; }
code="$(node -e "fetch('http://127.0.0.1:$port/metrics',{headers:{authorization:'Bearer image-steps-metrics-token'}}).then(r=>console.log(r.status))")"
[ "$code" = 200 ] || { echo "/metrics answered $code"; exit 1; }

step "a second process on the same database is refused"
if (cd "$app" && PORT=0 node dist/src/main.mjs) 2>"$tmp/second.log"; then echo "the second process started"; exit 1; fi
grep -q "is in use by firebreak (pid $bot_pid" "$tmp/second.log" || { cat "$tmp/second.log"; exit 1; }

step "npm run doctor (from the image's files)"
(cd "$app" && node dist/src/doctor-cli.mjs) || { echo "doctor found problems"; exit 1; }
step "npm run backup"
(cd "$app" && node dist/src/backup-cli.mjs "$tmp/data/backup.db")

step "SIGTERM"
kill -TERM "$bot_pid"
wait "$bot_pid" && rc=0 || rc=$?
bot_pid=""
[ "$rc" = 0 ] || { echo "exit code $rc after SIGTERM"; cat "$tmp/bot.log"; exit 1; }

step "npm run restore (bot stopped)"
(cd "$app" && node dist/src/restore-cli.mjs "$tmp/data/backup.db")

written="$(find "$app" -newer "$marker" | head -5)"
[ -z "$written" ] || { echo "the bot wrote into the app folder: $written"; exit 1; }
step "ok: built without dev dependencies, started from the bundle, wrote nothing into the app folder"
