// The peer of benchmarks/bench_vs_pouchdb.py: PouchDB 9 (LevelDB on disk, like a station's SQLite file)
// replicating to pouchdb-server 4 (its own process; LevelDB on disk, or in memory with --in-memory).
//
//   node peer_bench.js N [--in-memory]
//
// Three timed steps, as the Python side: push N new shift documents; push one changed figure of each;
// a new, empty database pulls all N. Bytes are counted on the client's sockets (HTTP headers included,
// as the Python side counts them). Prints one JSON line with the same keys as bench_vs_pouchdb.py.
'use strict';
const { spawn } = require('child_process');
const fs = require('fs');
const http = require('http');
const os = require('os');
const path = require('path');
const PouchDB = require('pouchdb');

const N = parseInt(process.argv[2] || '2000', 10);
const inMemory = process.argv.includes('--in-memory');
const tmp = fs.mkdtempSync(path.join(os.tmpdir(), 'peer-bench-'));

const wire = { up: 0, down: 0 };
const agent = new http.Agent({ keepAlive: true, maxSockets: 8 });
const create = agent.createConnection.bind(agent);
agent.createConnection = (opts, cb) => {
  const s = create(opts, cb);
  let w = 0; let r = 0;
  const tally = () => { wire.up += s.bytesWritten - w; wire.down += s.bytesRead - r; w = s.bytesWritten; r = s.bytesRead; };
  s.on('close', tally);
  sockets.add({ tally });
  return s;
};
const sockets = new Set();
const bytes = () => { for (const s of sockets) s.tally(); return { ...wire }; };
const fetchWithAgent = (url, opts) => PouchDB.fetch(url, { ...opts, agent });

function freePort() {
  return new Promise((resolve) => {
    const srv = http.createServer();
    srv.listen(0, '127.0.0.1', () => { const p = srv.address().port; srv.close(() => resolve(p)); });
  });
}

async function waitUp(url) {
  for (let i = 0; i < 300; i++) {
    try { const r = await PouchDB.fetch(url); if (r.ok) return; } catch (e) { /* not yet */ }
    await new Promise((r) => setTimeout(r, 100));
  }
  throw new Error('pouchdb-server did not start');
}

function shiftDoc(i, rnActual) {
  const day = new Date(Date.UTC(2026, 10, 30) - Math.floor(i / 3) * 86400000).toISOString().slice(0, 10);
  const code = ['early', 'late', 'night'][i % 3];
  // the fields our station's create carries (SYNC.md decision 8), flat as on our wire
  return {
    _id: `shift-${String(i).padStart(7, '0')}-${code}`,
    ward_id: '6b0f5d8e-3a61-5b8c-9d0e-6f3c2b1a0e9d', shift_date: day, shift_code: code,
    'groups.rn.planned': 4, 'groups.rn.planned_hours': 32.0, 'groups.care.planned': 2, 'groups.care.planned_hours': 16.0,
    'groups.rn.actual': rnActual, staffing_recorded: true,
  };
}

async function timed(fn) {
  const b0 = bytes(); const t0 = process.hrtime.bigint();
  await fn();
  const s = Number(process.hrtime.bigint() - t0) / 1e9; const b1 = bytes();
  return { s, up: b1.up - b0.up, down: b1.down - b0.down };
}

async function main() {
  const port = await freePort();
  const args = ['--port', String(port), '--no-stdout-logs', '--dir', path.join(tmp, 'server'), '--config', path.join(tmp, 'config.json')];
  if (inMemory) args.push('--in-memory');
  fs.mkdirSync(path.join(tmp, 'server'));
  const server = spawn(process.execPath, [require.resolve('pouchdb-server/bin/pouchdb-server'), ...args],
    { cwd: tmp, stdio: ['ignore', 'ignore', 'inherit'] });
  try {
    const base = `http://127.0.0.1:${port}`;
    await waitUp(base + '/');
    const remote = new PouchDB(`${base}/ward`, { fetch: fetchWithAgent });
    await remote.info();  // creates it
    const local = new PouchDB(path.join(tmp, 'station-a'));
    const docs = [];
    for (let i = 0; i < N; i++) docs.push(shiftDoc(i, 3));
    for (let i = 0; i < N; i += 500) await local.bulkDocs(docs.slice(i, i + 500));
    const pushNew = await timed(() => local.replicate.to(remote, { batch_size: 200 }));
    const all = await local.allDocs({ include_docs: true });
    const edited = all.rows.map((r) => ({ ...r.doc, 'groups.rn.actual': 4 }));
    for (let i = 0; i < N; i += 500) await local.bulkDocs(edited.slice(i, i + 500));
    const pushEdit = await timed(() => local.replicate.to(remote, { batch_size: 200 }));
    const fresh = new PouchDB(path.join(tmp, 'station-b'));
    const pull = await timed(() => fresh.replicate.from(remote, { batch_size: 500 }));
    const info = await fresh.info();
    if (info.doc_count !== N) throw new Error(`pulled ${info.doc_count} of ${N}`);
    console.log(JSON.stringify({
      push_new_s: pushNew.s, push_edit_s: pushEdit.s, pull_s: pull.s,
      up_new_B: pushNew.up / N, down_new_B: pushNew.down / N, up_edit_B: pushEdit.up / N, down_edit_B: pushEdit.down / N,
      down_pull_B: pull.down / N, server: inMemory ? 'in-memory' : 'leveldb',
    }));
    await local.close(); await fresh.close();
  } finally {
    server.kill();
    agent.destroy();
    fs.rmSync(tmp, { recursive: true, force: true });
  }
}

main().catch((e) => { console.error(e && e.stack ? e.stack : String(e)); process.exit(1); });
