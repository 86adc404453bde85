'use strict';
// ingest.js — the Pyroscope ingest endpoint tare runs on loopback for one trial of
// profilers/pyroscope-node.lua: it is that profiler's own process, so its CPU and memory are
// charged to the profiler's cgroup (small next to the SDK's cost inside the workload).
//
//   node ingest.js DIR [ok|refuse|stall] [WORKLOAD_PID]
//
// It listens on a free port of 127.0.0.1, writes its URL to DIR/ingest.url once it listens (the
// workload reads it: TARE_PYROSCOPE_URL_FILE), and takes the SDK's uploads, POST /ingest?...:
//   ok      answers 200 after reading the body;
//   refuse  answers 503 (the SDK logs and drops the profile);
//   stall   reads the body and never answers (the SDK's upload waits; it skips later rounds).
// tare stops a profiler before the workload, but the SDK sends its last profile as the workload
// stops: so at SIGTERM (the measured window is over), given WORKLOAD_PID, it sends the workload
// SIGTERM itself and takes uploads until the workload has exited (up to 5 s), then exits.
// After every upload, and at exit, it writes DIR/ingest.json:
//   {"uploads":N,"bytes":B,"accepted":A,"rejected":R,"stalled":S,"other":O}
// uploads counts every POST /ingest received whatever the answer (what the SDK sent);
// bytes their bodies; other any other request (answered 404).
const http = require('node:http');
const fs = require('node:fs');
const zlib = require('node:zlib');

const dir = process.argv[2];
const mode = process.argv[3] || 'ok';
const workloadPid = Number(process.argv[4] || 0);
if (!dir || !['ok', 'refuse', 'stall'].includes(mode) || !Number.isInteger(workloadPid)) {
	process.stderr.write('usage: node ingest.js DIR [ok|refuse|stall] [WORKLOAD_PID]\n');
	process.exit(2);
}
const stats = { uploads: 0, bytes: 0, accepted: 0, rejected: 0, stalled: 0, other: 0 };
const held = [];                        // stalled requests: kept, never answered

function writeAtomic(name, text) {
	const p = `${dir}/${name}`;
	fs.writeFileSync(`${p}.tmp`, text);
	fs.renameSync(`${p}.tmp`, p);
}

function writeStats() {
	writeAtomic('ingest.json', JSON.stringify(stats) + '\n');
}

// An accepted upload's profile (the SDK sends it raw: gzipped profile.proto) is kept as
// DIR/wall-N.pb.gz or DIR/heap-N.pb.gz by its sample types, for `go tool pprof` and the
// adapter's self attribution.
function keep(url, buf) {
	let kind = 'other';
	try {
		const text = zlib.gunzipSync(buf).toString('latin1');
		kind = text.includes('inuse_space') ? 'heap' : text.includes('wall') ? 'wall' : 'other';
	} catch {
		return;                         // not a gzipped profile: counted, not kept
	}
	fs.writeFileSync(`${dir}/${kind}-${stats.accepted}.pb.gz`, buf);
}

const server = http.createServer((req, res) => {
	let bytes = 0;
	const body = [];
	req.on('data', (chunk) => { bytes += chunk.length; body.push(chunk); });
	req.on('end', () => {
		if (req.method !== 'POST' || !req.url.startsWith('/ingest')) {
			stats.other++;
			res.writeHead(404, { 'Content-Length': 0 });
			res.end();
			return;
		}
		stats.uploads++;
		stats.bytes += bytes;
		if (mode === 'ok') {
			stats.accepted++;
			keep(req.url, Buffer.concat(body));
			res.writeHead(200, { 'Content-Length': 0 });
			res.end();
		} else if (mode === 'refuse') {
			stats.rejected++;
			res.writeHead(503, { 'Content-Type': 'text/plain', 'Content-Length': 12 });
			res.end('unavailable\n');
		} else {
			stats.stalled++;
			held.push(res);
		}
		writeStats();
	});
});
server.requestTimeout = 0;              // a stall is ours to decide, not node's
server.on('error', (e) => {
	process.stderr.write(`ingest.js: ${e.message}\n`);
	process.exit(1);
});
server.listen(0, '127.0.0.1', () => {
	writeStats();
	writeAtomic('ingest.url', `http://127.0.0.1:${server.address().port}\n`);
});

// Gone, or a zombie (exited, not yet reaped by tare): it will send nothing more.
function exited(pid) {
	try {
		return /^State:\s*Z/m.test(fs.readFileSync(`/proc/${pid}/status`, 'utf8'));
	} catch {
		return true;
	}
}

let stopping = false;
const stop = () => {
	const finish = () => {
		writeStats();
		process.exit(0);                // not server.close(): stalled connections would hold it
	};
	if (stopping) return finish();      // a second signal: now
	stopping = true;
	if (!workloadPid) return finish();
	try {
		process.kill(workloadPid, 'SIGTERM');
	} catch {
		return finish();
	}
	const deadline = Date.now() + 5000;
	const poll = setInterval(() => {
		if (exited(workloadPid) || Date.now() > deadline) {
			clearInterval(poll);
			finish();
		}
	}, 20);
};
process.on('SIGTERM', stop);
process.on('SIGINT', stop);
