// The web app's single page: plain HTML, CSS and browser JavaScript, no build step. It talks to the JSON API
// of server.ts and follows each job's progress through server-sent events. GET /api/model says which model it
// serves: the physics model (a prompt from its vocabulary) or a model folder (any prompt, frames and size).
export const PAGE_HTML = `<!doctype html>
<html lang="en">
<head>
<meta charset="utf-8">
<meta name="viewport" content="width=device-width, initial-scale=1">
<title>selfrefine</title>
<style>
  body { font: 15px/1.4 system-ui, sans-serif; margin: 0 auto; max-width: 1100px; padding: 16px; color: #222; }
  h1 { font-size: 22px; margin: 0 0 4px; }
  .sub { color: #666; margin: 0 0 16px; }
  form { display: grid; grid-template-columns: repeat(auto-fill, minmax(160px, 1fr)); gap: 8px 12px; align-items: end;
         background: #f5f5f7; padding: 12px; border-radius: 8px; }
  label { display: flex; flex-direction: column; font-size: 13px; color: #444; }
  label.wide { grid-column: 1 / -1; }
  input, select, button { font: inherit; padding: 4px 6px; }
  button { cursor: pointer; }
  #error { color: #b00020; min-height: 1.4em; margin: 8px 0; white-space: pre-wrap; }
  #jobs { display: flex; flex-direction: column-reverse; gap: 12px; }
  .job { border: 1px solid #ddd; border-radius: 8px; padding: 10px; display: grid; grid-template-columns: 260px 1fr; gap: 12px; }
  .job h2 { font-size: 15px; margin: 0 0 4px; }
  .meta { color: #555; font-size: 13px; }
  .bar { height: 8px; background: #eee; border-radius: 4px; overflow: hidden; margin: 6px 0; }
  .bar > div { height: 100%; width: 0; background: #3a7bd5; transition: width .2s; }
  .state-done .bar > div { background: #2e9d4f; }
  .state-failed .bar > div, .state-cancelled .bar > div { background: #b00020; }
  .video img { width: 256px; height: 256px; image-rendering: pixelated; background: #111; display: block; }
  .folder .video img { height: auto; min-height: 64px; }
  [hidden] { display: none !important; }
  .mask img { max-width: 100%; image-rendering: pixelated; }
</style>
</head>
<body>
<h1>selfrefine</h1>
<p class="sub" id="model">loading the model…</p>
<form id="form">
  <label class="wide" id="prompt-label">Prompt <select name="prompt" id="prompt"></select></label>
  <label class="wide folder-only" hidden>Negative prompt <input name="negativePrompt" placeholder="the model's default"></label>
  <label class="folder-only" hidden>Frames <input name="frames" type="number" min="1" step="1"></label>
  <label class="folder-only" hidden>Width <input name="width" type="number" min="16" step="16"></label>
  <label class="folder-only" hidden>Height <input name="height" type="number" min="16" step="16"></label>
  <label>Seed <input name="seed" type="number" min="0" step="1" value="0"></label>
  <label>Refinement
    <select name="refine"><option value="pnp">Predict-and-Perturb</option><option value="none">none</option><option value="adaptive">adaptive P&amp;P</option></select></label>
  <label>Steps <input name="steps" type="number" min="1" max="200" step="1"></label>
  <label>CFG scale <input name="cfg" type="number" min="0" max="20" step="0.5"></label>
  <label>P&amp;P plan <input name="plan" placeholder="e.g. 1-6:2"></label>
  <label>τ (mask threshold) <input name="tau" type="number" min="0" step="0.05"></label>
  <button type="submit" id="generate">Generate</button>
  <button type="button" id="compare" title="the same seed with and without refinement">Compare with / without P&amp;P</button>
</form>
<div id="error" role="alert"></div>
<div id="jobs"></div>
<script type="module">
const $ = (sel, root = document) => root.querySelector(sel);
const form = $('#form');
const errorBox = $('#error');

function fmtSeconds(s) { return s === null || s === undefined ? '–' : s < 60 ? s.toFixed(1) + ' s' : Math.floor(s / 60) + ' min ' + Math.round(s % 60) + ' s'; }

let folder = false;

async function loadModel() {
  const m = await (await fetch('/api/model')).json();
  folder = m.kind === 'folder';
  const sampler = 'default sampler ' + m.defaults.solver + ' ' + m.defaults.steps + ' steps, ' + m.defaults.guidance + ', P&P ' + m.defaults.plan + ' (τ ' + m.defaults.tau + '), ' + m.defaults.nfe + ' NFE';
  if (folder) {
    document.body.classList.add('folder');
    $('#model').textContent = m.name + ' (' + m.family + ', preset ' + m.preset + '): clips of ' + m.clip.frameStep + 'k+1 frames, sizes in multiples of ' +
      m.clip.sizeMultiple + ' px, at most ' + m.clip.maxFrames + ' frames; ' + sampler;
    const input = document.createElement('input');
    input.name = 'prompt';
    input.id = 'prompt';
    input.required = true;
    input.placeholder = 'describe the video';
    $('#prompt').replaceWith(input);
    for (const el of document.querySelectorAll('.folder-only')) el.hidden = false;
    for (const k of ['frames', 'width', 'height']) form[k].placeholder = m[k];
  } else {
    $('#model').textContent = m.name + ': ' + m.frames + ' frames of ' + m.width + '×' + m.height + ' px; ' + sampler;
    for (const p of m.prompts) $('#prompt').append(new Option(p.prompt, p.prompt));
  }
  form.steps.placeholder = m.defaults.steps;
  form.cfg.placeholder = m.defaults.cfgLow === null ? m.defaults.cfg : m.defaults.cfg + ' / ' + m.defaults.cfgLow;
  form.plan.placeholder = m.defaults.plan;
  form.tau.placeholder = m.defaults.tau;
}

function requestFromForm(refine) {
  const f = new FormData(form);
  const body = { prompt: f.get('prompt'), seed: Number(f.get('seed') || 0), refine: refine ?? f.get('refine') };
  for (const k of ['steps', 'cfg']) if (f.get(k) !== '') body[k] = Number(f.get(k));
  if (folder) {
    for (const k of ['frames', 'width', 'height']) if (f.get(k) !== '') body[k] = Number(f.get(k));
    if (f.get('negativePrompt') !== '') body.negativePrompt = f.get('negativePrompt');
  }
  if (body.refine !== 'none') {
    if (f.get('plan') !== '') body.plan = f.get('plan');
    if (f.get('tau') !== '') body.tau = Number(f.get('tau'));
  }
  return body;
}

async function submit(body) {
  const res = await fetch('/api/jobs', { method: 'POST', headers: { 'content-type': 'application/json' }, body: JSON.stringify(body) });
  const data = await res.json();
  if (!res.ok) throw new Error(data.error);
  return data;
}

function card(status) {
  const el = document.createElement('div');
  el.className = 'job';
  el.id = 'job-' + status.id;
  el.innerHTML = '<div class="video"><img alt="video"></div><div><h2></h2><div class="meta settings"></div>' +
    '<div class="bar"><div></div></div><div class="meta progress"></div><div class="meta result"></div>' +
    '<button type="button" class="cancel">Cancel</button><div class="mask"></div></div>';
  $('h2', el).textContent = status.prompt;
  $('.settings', el).textContent = 'seed ' + status.seed + ' · refinement ' + status.refine;
  $('.cancel', el).onclick = () => fetch('/api/jobs/' + status.id, { method: 'DELETE' });
  $('#jobs').append(el);
  return el;
}

function render(el, s) {
  el.className = 'job state-' + s.state;
  const p = s.progress;
  const frac = s.state === 'done' ? 1 : p ? p.nfe / p.plannedNfe : 0;
  $('.bar > div', el).style.width = (100 * Math.min(1, frac)).toFixed(1) + '%';
  let line = s.state === 'queued' ? 'queued' + (s.position > 0 ? ', ' + s.position + ' ahead' : '') : s.state;
  if (p && s.state === 'running') {
    line += ' · step ' + p.step + '/' + p.totalSteps + ' · NFE ' + p.nfe + '/' + p.plannedNfe + ' · ETA ' + fmtSeconds(p.etaSeconds);
    if (p.uncertainFraction !== null) line += ' · uncertain ' + (100 * p.uncertainFraction).toFixed(0) + ' %';
  }
  if (s.error) line += ': ' + s.error;
  $('.progress', el).textContent = line;
  if (s.state === 'running' && p) $('.video img', el).src = '/api/jobs/' + s.id + '/preview.gif?nfe=' + p.nfe;
  const ended = s.state === 'done' || s.state === 'failed' || s.state === 'cancelled';
  $('.cancel', el).hidden = ended;
  if (s.state === 'done' && s.result) {
    $('.video img', el).src = '/api/jobs/' + s.id + '/video.gif';
    $('.video img', el).alt = 'generated video';
    $('.result', el).textContent = 'done in ' + fmtSeconds(s.result.seconds) + ' · ' + s.result.nfe + ' NFE' +
      (s.result.nfeSaved > 0 ? ' (' + s.result.nfeSaved + ' saved by early exit)' : '');
    if (s.result.hasMask) {
      $('.mask', el).innerHTML = '<p class="meta">Uncertainty mask at each refined step (rows) over the frames: orange = still refined</p><img alt="uncertainty mask">';
      $('.mask img', el).src = '/api/jobs/' + s.id + '/mask.png';
    }
  }
}

function follow(status) {
  const el = card(status);
  render(el, status);
  const events = new EventSource('/api/jobs/' + status.id + '/events');
  const onEvent = (e) => {
    const s = JSON.parse(e.data);
    render(el, s);
    if (s.state === 'done' || s.state === 'failed' || s.state === 'cancelled') events.close();
  };
  events.addEventListener('state', onEvent);
  events.addEventListener('progress', onEvent);
}

async function run(bodies) {
  errorBox.textContent = '';
  try {
    for (const body of bodies) follow(await submit(body));
  } catch (err) {
    errorBox.textContent = err.message;
  }
}

form.addEventListener('submit', (e) => { e.preventDefault(); run([requestFromForm()]); });
$('#compare').addEventListener('click', () => run([requestFromForm('none'), requestFromForm('pnp')]));
loadModel().catch((err) => { errorBox.textContent = 'cannot reach the server: ' + err.message; });
</script>
</body>
</html>
`;
