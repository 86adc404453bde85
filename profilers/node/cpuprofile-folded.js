'use strict';
// cpuprofile-folded.js — V8's .cpuprofile files (node --cpu-prof) in DIR as folded stacks, one
// "root;...;leaf count" line per distinct stack, for tare's self share and known-split check.
//
//   node cpuprofile-folded.js DIR
//
// A frame is its function's name (V8's "(anonymous)" for one without, and its own "(program)",
// "(garbage collector)", "(idle)"), the names a workload's known split gives; V8's "(root)" is
// left out.  Nothing is printed when DIR holds no .cpuprofile (the workload was killed).
const fs = require('node:fs');

const dir = process.argv[2];
if (!dir) {
	process.stderr.write('usage: node cpuprofile-folded.js DIR\n');
	process.exit(2);
}
const count = new Map();
for (const f of fs.readdirSync(dir).filter((n) => n.endsWith('.cpuprofile'))) {
	const p = JSON.parse(fs.readFileSync(`${dir}/${f}`, 'utf8'));
	const byId = new Map(p.nodes.map((n) => [n.id, n]));
	const parent = new Map();
	for (const n of p.nodes)
		for (const c of n.children || []) parent.set(c, n.id);
	const stacks = new Map();          // node id -> its folded stack, built once
	const stackOf = (id) => {
		if (stacks.has(id)) return stacks.get(id);
		const n = byId.get(id);
		const name = n.callFrame.functionName || '(anonymous)';
		const up = parent.has(id) ? stackOf(parent.get(id)) : '';
		const s = name === '(root)' ? '' : up ? `${up};${name}` : name;
		stacks.set(id, s);
		return s;
	};
	for (const id of p.samples) {
		const s = stackOf(id);
		if (s) count.set(s, (count.get(s) || 0) + 1);
	}
}
for (const [s, n] of count) process.stdout.write(`${s} ${n}\n`);
