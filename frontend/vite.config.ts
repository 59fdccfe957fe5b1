import adapter from '@sveltejs/adapter-static';
import { sveltekit } from '@sveltejs/kit/vite';
import tailwindcss from '@tailwindcss/vite';
import { readFileSync } from 'node:fs';
import { fileURLToPath } from 'node:url';
import type { Plugin } from 'vite';
import { defineConfig } from 'vitest/config';
import { extractConstraints } from './src/lib/forms/extract.ts';

const API_TARGET = process.env.JANITOR_API_URL ?? 'http://127.0.0.1:8000';

const OPENAPI = fileURLToPath(new URL('./src/lib/api/openapi.json', import.meta.url));

/** `virtual:api-constraints`: the request schemas' bounds, from the generated OpenAPI document. */
function apiConstraints(): Plugin {
	const id = 'virtual:api-constraints';
	const resolved = '\0' + id;
	return {
		name: 'api-constraints',
		resolveId: (source) => (source === id ? resolved : undefined),
		load(source) {
			if (source !== resolved) return undefined;
			this.addWatchFile(OPENAPI);
			const constraints = extractConstraints(JSON.parse(readFileSync(OPENAPI, 'utf8')));
			return `export default ${JSON.stringify(constraints)};`;
		}
	};
}

export default defineConfig({
	plugins: [
		apiConstraints(),
		tailwindcss(),
		sveltekit({
			compilerOptions: {
				// Force runes mode for the project, except for libraries. Can be removed in svelte 6.
				runes: ({ filename }) =>
					filename.split(/[/\\]/).includes('node_modules') ? undefined : true
			},
			// A pure SPA: FastAPI serves build/ on the same origin and falls back to index.html.
			adapter: adapter({ pages: 'build', assets: 'build', fallback: 'index.html', strict: true })
		})
	],
	server: {
		proxy: {
			'/api': { target: API_TARGET, changeOrigin: false }
		}
	},
	preview: {
		proxy: {
			'/api': { target: API_TARGET, changeOrigin: false }
		}
	},
	test: {
		include: ['src/**/*.{test,spec}.{js,ts}'],
		environment: 'node'
	}
});
