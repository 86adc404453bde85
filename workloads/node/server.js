'use strict';
// server.js — tare's Node workload: an HTTP/1.1 server (node:http) on 127.0.0.1:PORT whose `/`
// spends --work-us µs of CPU per request in three named functions, cpuHot 70%, cpuWarm 20%,
// cpuCold 10% (the split of the C cpu workload), and answers a fixed body with a Content-Length on
// a keep-alive connection.  workloads/node.lua runs it; tare's driver (replay --http) loads it.
//
//   node [node flags] server.js PORT [--work-us N] [--body-bytes B]
//
// The work is arithmetic, not a clock-polling loop: each function's iterations per µs of CPU are
// measured once at start-up (process.cpuUsage, the median of a few rounds, as workloads/server.c
// does with the thread CPU clock), so a sampler sees the functions' own frames, and what a
// profiler steals from the process is not absorbed by a loop that runs until a deadline.  The
// three bodies differ and are called through a table, so each keeps a frame of its own in a
// profile; their results go into `sink`, printed at exit, so nothing is dead code.
//
// Profilers reach it in three ways:
//   - node flags before server.js (profilers/node-cpu-prof.lua: --cpu-prof); on SIGTERM or SIGINT
//     it closes the server and exits 0, which makes V8 write the .cpuprofile;
//   - V8's CPU profiler switched by SIGUSR2 (profilers/node-cpu-prof.lua in tare's switchback
//     design): with TARE_NODE_CPU_PROF_DIR set, each odd SIGUSR2 starts it through node:inspector's
//     Profiler domain (what --cpu-prof drives too), every TARE_NODE_CPU_PROF_US µs, and each even
//     one stops it and writes DIR/CPU.N.cpuprofile (N = 0, 1, ...; one running at exit is written
//     then).  SIGUSR1 is node's own (it opens the inspector's port);
//   - the Pyroscope Node SDK (@pyroscope/nodejs, installed by scripts/setup.sh --tests into
//     workloads/node/node_modules), loaded only when TARE_PYROSCOPE_URL (the server's address) or
//     TARE_PYROSCOPE_URL_FILE (a file that will hold it: profilers/pyroscope-node.lua's ingest
//     sink writes it once it listens) is set.  TARE_PYROSCOPE_FLUSH_MS (default 15000),
//     TARE_PYROSCOPE_HZ (wall sampling, default 100), TARE_PYROSCOPE_HEAP (1: also the heap
//     profile, as Pyroscope.start() does; 0: wall only), TARE_PYROSCOPE_CPU_TIME (1: wall.collectCpuTime).
const http = require('node:http');
const fs = require('node:fs');

function usage(why) {
	process.stderr.write(`server.js: ${why}\nusage: node [flags] server.js PORT [--work-us N] [--body-bytes B]\n`);
	process.exit(2);
}

function parseArgs(argv) {
	const cfg = { port: 0, workUs: 100, bodyBytes: 512 };
	if (argv.length < 1) usage('no PORT');
	cfg.port = Number(argv[0]);
	if (!Number.isInteger(cfg.port) || cfg.port < 1 || cfg.port > 65535) usage(`'${argv[0]}' is not a port`);
	for (let i = 1; i < argv.length; i += 2) {
		const v = Number(argv[i + 1]);
		if (argv[i + 1] === undefined || !Number.isFinite(v) || v < 0) usage(`${argv[i]} needs a number >= 0`);
		if (argv[i] === '--work-us') cfg.workUs = v;
		else if (argv[i] === '--body-bytes') cfg.bodyBytes = Math.floor(v);
		else usage(`unknown option '${argv[i]}'`);
	}
	return cfg;
}

// Three loops of 32-bit integer arithmetic, each a serially dependent chain that V8 cannot fold
// or vectorise; different mixes, so no two compile to the same code.
function cpuHot(x, n) {            // xorshift32, then a multiply
	for (let i = 0; i < n; i++) {
		x ^= x << 13;
		x ^= x >>> 17;
		x ^= x << 5;
		x = Math.imul(x, 0x2545f491);
	}
	return x | 0;
}

function cpuWarm(x, n) {           // a linear congruential step, then a rotate
	for (let i = 0; i < n; i++) {
		x = (Math.imul(x, 1664525) + 1013904223) | 0;
		x = (x << 7) | (x >>> 25);
	}
	return x | 0;
}

function cpuCold(x, n) {           // a Weyl sequence folded in by a multiply and a shift
	let y = x | 1;
	for (let i = 0; i < n; i++) {
		y = (y + 0x61c88647) | 0;
		x = Math.imul(x ^ y, 0x27d4eb2d) ^ (x >> 15);
	}
	return x | 0;
}

// Called by name through this table, never directly: one call site for all three.
const parts = { cpuHot, cpuWarm, cpuCold };
const split = [['cpuHot', 0.7], ['cpuWarm', 0.2], ['cpuCold', 0.1]];
const iterationsPerUs = { cpuHot: 0, cpuWarm: 0, cpuCold: 0 };
let sink = 0x12345678;

function cpuNowUs() {
	const u = process.cpuUsage();
	return u.user + u.system;
}

// The one call site of the three, for the requests and the calibration alike: whatever V8 makes
// of it (inlined or not) is then the same code in both.
function runPart(name, n) {
	sink = parts[name](sink, n);
}

// Iterations of each function per µs of process CPU: the median of 5 rounds of ~2 ms, after a
// warm-up of many short calls, so V8 has optimised the functions and this call site before
// anything is measured (~50 ms in all for the three; a profile shows it under calibrate, apart
// from the requests' work).
function calibrate() {
	for (let w = 0; w < 300; w++)
		for (const [name] of split) runPart(name, 5000);
	for (const [name] of split) {
		let n = 20000;
		const r = [];
		for (;;) {                     // grow the round until it takes >= 2 ms of CPU
			const t0 = cpuNowUs();
			runPart(name, n);
			if (cpuNowUs() - t0 >= 2000) break;
			n *= 2;
		}
		for (let k = 0; k < 5; k++) {
			const t0 = cpuNowUs();
			runPart(name, n);
			r.push(n / Math.max(cpuNowUs() - t0, 1));
		}
		r.sort((a, b) => a - b);
		iterationsPerUs[name] = r[2];
	}
}

function work(workUs) {
	for (const [name, share] of split)
		runPart(name, Math.round(workUs * share * iterationsPerUs[name]));
}

// The Pyroscope SDK, when asked for.  Its address comes from the environment, or from a file the
// ingest sink writes once it listens (it starts before this process by default, so the file is
// normally there; wait up to 10 s if not).
function startPyroscope() {
	let url = process.env.TARE_PYROSCOPE_URL;
	const file = process.env.TARE_PYROSCOPE_URL_FILE;
	if (!url && !file) return null;
	if (!url) {
		const deadline = Date.now() + 10000;
		while (!fs.existsSync(file)) {
			if (Date.now() > deadline) {
				process.stderr.write(`server.js: ${file} (TARE_PYROSCOPE_URL_FILE) did not appear in 10 s\n`);
				process.exit(1);
			}
			Atomics.wait(new Int32Array(new SharedArrayBuffer(4)), 0, 0, 20);
		}
		url = fs.readFileSync(file, 'utf8').trim();
	}
	let Pyroscope;
	try {
		Pyroscope = require('@pyroscope/nodejs');
	} catch (e) {
		process.stderr.write(`server.js: cannot load @pyroscope/nodejs (${e.code || e.message}): ` +
			`run scripts/setup.sh --tests, or npm install in ${__dirname}\n`);
		process.exit(1);
	}
	const env = (name, dflt) => (process.env[name] !== undefined && process.env[name] !== '' ? Number(process.env[name]) : dflt);
	const hz = env('TARE_PYROSCOPE_HZ', 100);
	Pyroscope.init({
		serverAddress: url,
		appName: 'tare-node',
		flushIntervalMs: env('TARE_PYROSCOPE_FLUSH_MS', 15000),
		wall: { samplingIntervalMicros: Math.round(1e6 / hz), collectCpuTime: env('TARE_PYROSCOPE_CPU_TIME', 0) === 1 },
	});
	if (env('TARE_PYROSCOPE_HEAP', 1) === 1) {
		Pyroscope.start();                  // wall and heap, the SDK's default
	} else {
		Pyroscope.default.startWallProfiling();
	}
	return Pyroscope;
}

// V8's CPU profiler switched by SIGUSR2, when TARE_NODE_CPU_PROF_DIR asks for it; returns a
// function that writes a profile still running (at exit), or null.
function cpuProfToggle() {
	const dir = process.env.TARE_NODE_CPU_PROF_DIR;
	if (!dir) return null;
	const us = Number(process.env.TARE_NODE_CPU_PROF_US || 1000);
	if (!Number.isInteger(us) || us < 1) usage(`TARE_NODE_CPU_PROF_US '${process.env.TARE_NODE_CPU_PROF_US}' is not a whole number of µs`);
	const inspector = require('node:inspector');
	const session = new inspector.Session();
	session.connect();
	session.post('Profiler.enable');
	session.post('Profiler.setSamplingInterval', { interval: us });
	let on = false;
	let n = 0;
	// Session.post is synchronous for a session in the same thread: the callback has run on return
	const stopAndWrite = () => {
		on = false;
		session.post('Profiler.stop', (err, res) => {
			if (err) process.stderr.write(`server.js: Profiler.stop: ${err.message}\n`);
			else fs.writeFileSync(`${dir}/CPU.${n++}.cpuprofile`, JSON.stringify(res.profile));
		});
	};
	process.on('SIGUSR2', () => {
		if (on) return stopAndWrite();
		on = true;
		session.post('Profiler.start');
	});
	return () => { if (on) stopAndWrite(); };
}

function main() {
	const cfg = parseArgs(process.argv.slice(2));
	const body = Buffer.alloc(cfg.bodyBytes, 'x');
	let requests = 0;
	calibrate();
	const pyroscope = startPyroscope();
	const cpuProfAtExit = cpuProfToggle();

	const server = http.createServer((req, res) => {
		if (req.url === '/' || req.url.startsWith('/?')) {
			work(cfg.workUs);
			requests++;
			res.writeHead(200, { 'Content-Type': 'text/plain', 'Content-Length': body.length });
			res.end(body);
		} else {
			res.writeHead(404, { 'Content-Length': 0 });
			res.end();
		}
	});
	server.keepAliveTimeout = 300000;       // the driver's connections live for the whole trial
	server.headersTimeout = 310000;
	server.on('error', (e) => {
		process.stderr.write(`server.js: 127.0.0.1:${cfg.port}: ${e.message}\n`);
		process.exit(1);
	});
	server.listen(cfg.port, '127.0.0.1');

	let stopping = false;
	const stop = () => {
		if (stopping) return;
		stopping = true;
		server.close();
		server.closeAllConnections();
		const finish = () => {
			process.stdout.write(JSON.stringify({
				workload: 'node', requests, work_us: cfg.workUs, pyroscope: !!pyroscope,
				iterations_per_us: iterationsPerUs, sink,
			}) + '\n');
			if (cpuProfAtExit) cpuProfAtExit();
			// exit, not a return to the loop: --cpu-prof writes its profile at exit
			process.exit(0);
		};
		if (!pyroscope) return finish();
		// The SDK's stop sends the last profile; an ingest that stalls would hold it for ever,
		// so give it 1 s.  A profiling round already scheduled when stop() is called still runs
		// (@pyroscope/nodejs 0.6.4) and throws "Wall profiler is not started" or "Heap profiler is
		// not enabled." from a timer: while stopping, such an error is reported in one line and
		// the last upload goes on.
		process.on('uncaughtException', (e) => {
			process.stderr.write(`server.js: while the Pyroscope SDK stopped: ${e.message}\n`);
		});
		Promise.race([pyroscope.stop(), new Promise((r) => setTimeout(r, 1000))]).then(finish, finish);
	};
	process.on('SIGTERM', stop);
	process.on('SIGINT', stop);
}

main();
