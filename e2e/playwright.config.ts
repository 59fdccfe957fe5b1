import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { defineConfig, devices } from '@playwright/test';

/**
 * End-to-end tests against the whole stack: `scripts/devstack.py --ephemeral` starts throwaway
 * Postgres + Redis, migrates, and runs the API (serving the built SPA), the worker and the media-server
 * simulator (tiny demo world: plex.tv, a Plex server, Jellyfin, Jellyseerr) on E2E_SIM_PORT.
 * Build the SPA first: `npm --prefix frontend run build`.
 *
 * Debugging against a stack you already run:
 * `E2E_BASE_URL=http://127.0.0.1:8000 E2E_SIM_URL=http://127.0.0.1:8001 npx playwright test`.
 */
const PORT = Number(process.env.E2E_PORT ?? 8765);
// devstack starts the media-server simulator here (tests read its /_admin and inject faults).
const SIM_PORT = Number(process.env.E2E_SIM_PORT ?? 8766);
process.env.E2E_SIM_URL ??= `http://127.0.0.1:${SIM_PORT}`;
// devstack's mail catcher shows what the app sent here (GET /messages?to=…).
const MAIL_PORT = Number(process.env.E2E_MAIL_PORT ?? 8767);
process.env.E2E_MAIL_URL ??= `http://127.0.0.1:${MAIL_PORT}`;
// devstack writes its JANITOR_* settings here: tests act as the operator with them (janitor CLI).
process.env.E2E_STACK_ENV ??= join(tmpdir(), `janitor-e2e-${PORT}.env`);
const external = process.env.E2E_BASE_URL;
const baseURL = external ?? `http://127.0.0.1:${PORT}`;

export default defineConfig({
	testDir: './tests',
	outputDir: './test-results',
	fullyParallel: false,
	workers: 1,
	retries: 0,
	forbidOnly: !!process.env.CI,
	timeout: 60_000,
	expect: { timeout: 7_000 },
	reporter: process.env.CI ? [['list'], ['html', { open: 'never' }]] : 'list',
	use: {
		...devices['Desktop Chrome'],
		baseURL,
		headless: true,
		trace: 'retain-on-failure',
		screenshot: 'only-on-failure',
		launchOptions: {
			// Debian's Chromium: Playwright never downloads browsers on these machines.
			executablePath: process.env.CHROMIUM_PATH ?? '/usr/bin/chromium',
			args: [
				'--no-sandbox',
				'--disable-gpu',
				'--disable-dev-shm-usage',
				'--disable-background-networking',
				'--disable-component-update',
				'--disable-sync',
				'--no-first-run'
			]
		}
	},
	webServer: external
		? undefined
		: {
				// The stall watchdog fails a sync without progress for 15 s here (30 min in production), so
				// freshness.spec.ts sees a stuck sync end within a minute; every other sync of the suite
				// shows progress every few seconds.
				command: `cd .. && JANITOR_SYNC_STALL_MINUTES=0.25 uv run python scripts/devstack.py --ephemeral --port ${PORT} --sim-port ${SIM_PORT} --mail-http-port ${MAIL_PORT} --env-file ${process.env.E2E_STACK_ENV}`,
				url: `http://127.0.0.1:${PORT}/api/healthz`,
				timeout: 120_000,
				reuseExistingServer: false,
				// SIGTERM lets devstack stop Postgres/Redis/worker/API; the default SIGKILL leaks them.
				gracefulShutdown: { signal: 'SIGTERM', timeout: 40_000 },
				stdout: 'ignore',
				stderr: 'pipe'
			}
});
