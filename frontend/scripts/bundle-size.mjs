// Gzipped JavaScript a first load of the built SPA downloads, per route, checked against a budget.
//
// A first load fetches what index.html preloads and imports (the two entry chunks), the root
// layout and root error nodes (SvelteKit's client loads both at start), then the nodes of the
// route being opened (its layouts and its page) — each with everything it imports statically,
// transitively. Dynamic imports (`import()` inside a page, e.g. the dashboard's charts) are not
// part of a first load and are left out. The chunk graph comes from Vite's build manifest, the
// route → node table from SvelteKit's generated client app.
//
// The budget applies to the heaviest route (a deep link to any page is a first load too). The
// gzipped size of all JS in build/_app is printed as well, for information.
//
// Usage (after `vite build`): node scripts/bundle-size.mjs [limitKB]
import { existsSync, readdirSync, readFileSync, statSync } from 'node:fs';
import { join } from 'node:path';
import { gzipSync } from 'node:zlib';

const here = new URL('..', import.meta.url).pathname;
const root = join(here, 'build');
const manifestPath = join(here, '.svelte-kit/output/client/.vite/manifest.json');
const appPath = join(here, '.svelte-kit/generated/client-optimized/app.js');
const limit = Number(process.argv[2] ?? 150) * 1024;

for (const p of [join(root, 'index.html'), manifestPath, appPath]) {
	if (!existsSync(p)) {
		console.error(`${p} is missing: run the build first (task fe:build).`);
		process.exit(2);
	}
}

function walk(dir) {
	return readdirSync(dir).flatMap((name) => {
		const p = join(dir, name);
		return statSync(p).isDirectory() ? walk(p) : [p];
	});
}

const gzCache = new Map();
const gz = (p) => {
	if (!gzCache.has(p)) gzCache.set(p, gzipSync(readFileSync(p), { level: 9 }).length);
	return gzCache.get(p);
};
const kb = (n) => (n / 1024).toFixed(1) + ' KB';

/** @type {Record<string, {file: string, imports?: string[], css?: string[]}>} */
const manifest = JSON.parse(readFileSync(manifestPath, 'utf8'));
const byFile = new Map(Object.entries(manifest).map(([key, chunk]) => [chunk.file, key]));

/** Every JS file reached from `keys` through static imports. */
function closure(keys) {
	const seen = new Set();
	const files = new Set();
	const stack = [...keys];
	while (stack.length) {
		const key = stack.pop();
		if (seen.has(key)) continue;
		seen.add(key);
		const chunk = manifest[key];
		if (!chunk) throw new Error(`${key} is not in the Vite manifest`);
		files.add(chunk.file);
		stack.push(...(chunk.imports ?? []));
	}
	return files;
}

// The entry chunks, as index.html loads them.
const html = readFileSync(join(root, 'index.html'), 'utf8');
const entryFiles = [
	...new Set([...html.matchAll(/(?:href=|import\()\s*"\/(_app\/[^"]+\.js)"/g)].map((m) => m[1]))
];
const entryKeys = entryFiles.map((f) => {
	const key = byFile.get(f);
	if (!key) throw new Error(`${f} (from index.html) is not in the Vite manifest`);
	return key;
});

// Route → nodes, from the generated client app: "/(app)/dashboard": [7,[2]] = page 7, layout 2.
const app = readFileSync(appPath, 'utf8');
const dict = app.match(/export const dictionary = (\{[\s\S]*?\n\t\});/);
if (!dict) throw new Error(`no route dictionary in ${appPath}`);
const routes = Object.entries(JSON.parse(dict[1].replace(/,\s*\}$/, '}')));
const nodeKey = (n) => `.svelte-kit/generated/client-optimized/nodes/${Math.abs(n)}.js`;

const base = closure([...entryKeys, nodeKey(0), nodeKey(1)]);
const sum = (files) => [...files].reduce((s, f) => s + gz(join(root, f)), 0);

const rows = routes.map(([id, [page, layouts = [], errors = []]]) => {
	const nodes = [page, ...layouts, ...errors].filter((n) => n !== undefined && n !== null);
	const files = new Set([...base, ...closure(nodes.map(nodeKey))]);
	const path = id.replace(/\/\([^)]+\)/g, '') || '/';
	return { path, size: sum(files), files: files.size };
});
rows.sort((a, b) => b.size - a.size);

const js = walk(join(root, '_app')).filter((p) => p.endsWith('.js'));
const css = walk(join(root, '_app')).filter((p) => p.endsWith('.css'));
const total = js.reduce((s, p) => s + gz(p), 0);
const totalCss = css.reduce((s, p) => s + gz(p), 0);

console.log(`entry JS (index.html + root layout/error): ${kb(sum(base))} gzip`);
console.log("first load JS per route (entry + the route's nodes and their static imports):");
for (const r of rows)
	console.log(`  ${r.path.padEnd(28)} ${kb(r.size).padStart(9)}  (${r.files} files)`);
const worst = rows[0];
console.log(
	`first load JS, heaviest route (${worst.path}): ${kb(worst.size)} gzip (budget ${kb(limit)})`
);
console.log(`all JS (${js.length} files, upper bound, includes lazy chunks): ${kb(total)} gzip`);
console.log(`all CSS (${css.length} files): ${kb(totalCss)} gzip`);
if (worst.size > limit) {
	console.error(`first load of ${worst.path} exceeds the ${kb(limit)} budget`);
	process.exit(1);
}
