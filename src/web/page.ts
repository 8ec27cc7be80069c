// The browser page of `ptyjobs web`: a live list of jobs and, for the one clicked, its terminal
// (xterm.js with its default DOM renderer, served by this server: no CDN, works offline). The
// page itself holds nothing about jobs; it reads the token from the URL's fragment, which the
// browser never sends, and passes it to every API call and WebSocket.
export const PAGE_HTML = `<!doctype html>
<html lang="en">
<head>
<meta charset="utf-8">
<title>ptyjobs</title>
<link rel="icon" href="data:,">
<link rel="stylesheet" href="/xterm.css">
<style>
  body { margin: 0; font: 14px system-ui, sans-serif; display: flex; height: 100vh; background: #1e1e1e; color: #ddd; }
  #jobs { width: 22rem; overflow: auto; border-right: 1px solid #444; }
  #jobs h1 { font-size: 1rem; margin: .75rem; }
  .job { padding: .5rem .75rem; cursor: pointer; border-bottom: 1px solid #333; }
  .job:hover, .job.open { background: #2d2d30; }
  .job .id { font-weight: 600; }
  .job .command { font-family: monospace; color: #aaa; white-space: nowrap; overflow: hidden; text-overflow: ellipsis; }
  .status-running { color: #6c6; } .status-completed { color: #aaa; } .status-failed, .status-killed, .status-timed_out { color: #e77; }
  #view { flex: 1; padding: .75rem; overflow: auto; }
  #banner { margin-bottom: .5rem; color: #aaa; }
</style>
</head>
<body>
<div id="jobs"><h1>ptyjobs</h1><div id="list">loading…</div></div>
<div id="view"><div id="banner">Pick a job to see its terminal.</div><div id="terminal"></div></div>
<script src="/xterm.js"></script>
<script>
const token = new URLSearchParams(location.hash.slice(1)).get('t') || '';
const list = document.getElementById('list');
const banner = document.getElementById('banner');
let open = null;

function text(tag, className, value) {
  const node = document.createElement(tag);
  node.className = className;
  node.textContent = value;
  return node;
}

async function refresh() {
  const response = await fetch('/api/jobs?t=' + encodeURIComponent(token));
  if (!response.ok) { list.textContent = response.status === 401 ? 'This page needs the URL ptyjobs web printed (with #t=…).' : 'error ' + response.status; return; }
  const { jobs, writable } = await response.json();
  window.ptyjobsWritable = writable;
  list.replaceChildren(...jobs.map((job) => {
    const row = document.createElement('div');
    row.className = 'job' + (open && open.label === job.label ? ' open' : '');
    row.dataset.label = job.label;
    row.append(text('div', 'id', job.label + (job.name ? ' [' + job.name + ']' : '')),
      text('div', 'status-' + job.status, job.status + (job.viewers ? ', ' + job.viewers + ' watching' : '')),
      text('div', 'command', job.command));
    row.onclick = () => show(job);
    return row;
  }));
  if (!jobs.length) list.textContent = 'no jobs';
}

/** "3:j3 ended (exit 3)", or the signal that ended it. */
function ended(label, job) {
  const how = job.signal ? 'signal ' + job.signal : job.exit_code !== null ? 'exit ' + job.exit_code : job.status;
  return label + ' ended (' + how + ')';
}

function show(job) {
  if (open) { open.socket.close(); open.term.dispose(); }
  const typing = window.ptyjobsWritable && job.status === 'running';
  const term = new Terminal({ cols: job.cols, rows: job.rows, scrollback: 1000, disableStdin: !typing });
  term.open(document.getElementById('terminal'));
  const socket = new WebSocket((location.protocol === 'https:' ? 'wss://' : 'ws://') + location.host + '/ws?t=' + encodeURIComponent(token) + '&job=' + encodeURIComponent(job.label));
  socket.binaryType = 'arraybuffer';
  socket.onmessage = (event) => {
    if (typeof event.data === 'string') {
      const message = JSON.parse(event.data);
      if (message.type === 'exit') banner.textContent = ended(job.label, message.job) + ': ' + job.command;
      if (message.type === 'error') banner.textContent = message.message;
      return;
    }
    term.write(new Uint8Array(event.data));
  };
  if (typing) term.onData((data) => socket.readyState === 1 && socket.send(data));
  banner.textContent = job.status === 'running'
    ? job.label + (window.ptyjobsWritable ? ' (your keys go to the job)' : ' (read-only)') + ': ' + job.command
    : ended(job.label, job) + ': ' + job.command;
  open = { label: job.label, term, socket };
  window.ptyjobsTerm = term;
  term.focus();
}

refresh();
setInterval(refresh, 1000);
</script>
</body>
</html>
`;
