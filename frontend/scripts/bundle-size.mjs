// Gzipped size of the built SPA's JavaScript: everything in build/_app (upper bound for any first
// load) and the entry chunks index.html preloads. Usage: node scripts/bundle-size.mjs [limitKB]
import { readdirSync, readFileSync, statSync } from 'node:fs';
import { join } from 'node:path';
import { gzipSync } from 'node:zlib';

const root = new URL('../build/', import.meta.url).pathname;
const limit = Number(process.argv[2] ?? 150) * 1024;

function walk(dir) {
	return readdirSync(dir).flatMap((name) => {
		const p = join(dir, name);
		return statSync(p).isDirectory() ? walk(p) : [p];
	});
}

const gz = (p) => gzipSync(readFileSync(p), { level: 9 }).length;
const kb = (n) => (n / 1024).toFixed(1) + ' KB';

const js = walk(join(root, '_app')).filter((p) => p.endsWith('.js'));
const css = walk(join(root, '_app')).filter((p) => p.endsWith('.css'));
const total = js.reduce((s, p) => s + gz(p), 0);
const totalCss = css.reduce((s, p) => s + gz(p), 0);

const html = readFileSync(join(root, 'index.html'), 'utf8');
const entry = [...html.matchAll(/(?:href|import\()\s*=?\s*"(\/_app\/[^"]+\.js)"/g)].map(
	(m) => m[1]
);
const entrySize = [...new Set(entry)].reduce((s, p) => s + gz(join(root, p)), 0);

console.log(`entry JS (index.html): ${kb(entrySize)} gzip`);
console.log(`all JS (${js.length} files): ${kb(total)} gzip`);
console.log(`all CSS (${css.length} files): ${kb(totalCss)} gzip`);
if (total > limit) {
	console.error(`all JS exceeds the ${kb(limit)} budget`);
	process.exit(1);
}
