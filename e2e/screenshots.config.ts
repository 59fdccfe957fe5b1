import { defineConfig } from '@playwright/test';
import base from './playwright.config';

/**
 * Pictures the app ships (not tests): the dashboard of the demo world for the landing and sign-in
 * pages (frontend/static/landing/), a report and the deletion queue for the README
 * (docs/screenshots/). Same stack as the e2e suite:
 * `npx playwright test --config screenshots.config.ts` (or `./dev e2e:screenshots`).
 */
export default defineConfig({ ...base, testDir: './screenshots', testMatch: '*.shot.ts' });
