// Draws one digest chart in a worker thread and exits: Vega, Vega-Lite and resvg load here, so the
// bot's own heap and resident set never carry them (about 40 MB) after the weekly chart is posted.
// Plain JavaScript so the same file runs under tsx, vitest and from the bundle (dist/src/).
import { parentPort, workerData } from 'node:worker_threads';

const { spec, resvg } = workerData;
const [{ compile }, vega, { Resvg }] = await Promise.all([
  import('vega-lite'),
  import('vega'),
  import('@resvg/resvg-js'),
]);
const view = new vega.View(vega.parse(compile(spec).spec), { renderer: 'none' });
let svg;
try {
  svg = await view.toSVG();
} finally {
  view.finalize();
}
const png = new Resvg(svg, resvg).render().asPng();
parentPort?.postMessage({ svg, png });
