import { expect } from '@playwright/test';
import { execFileSync } from 'node:child_process';
import { readFileSync } from 'node:fs';
import { fileURLToPath } from 'node:url';
import { newPassword, uniqueEmail } from './helpers';

const ROOT = fileURLToPath(new URL('../..', import.meta.url));

/**
 * Run the operator's command line (`janitor …`, the entry point the app installs) against the stack
 * under test, as an operator would on the server: with the settings devstack wrote to
 * E2E_STACK_ENV. `input` is what the command reads on its standard input (a `--password-stdin`).
 * Returns what it printed.
 */
export function operatorWith(input: string | undefined, ...args: string[]): string {
	const env: NodeJS.ProcessEnv = { ...process.env };
	for (const line of readFileSync(process.env.E2E_STACK_ENV!, 'utf-8').split('\n')) {
		const at = line.indexOf('=');
		if (at > 0) env[line.slice(0, at)] = line.slice(at + 1);
	}
	return execFileSync('uv', ['run', 'janitor', ...args], {
		cwd: ROOT,
		env,
		encoding: 'utf-8',
		input
	});
}

export function operator(...args: string[]): string {
	return operatorWith(undefined, ...args);
}

/** A new account made an operator on the command line (`janitor accounts create`, `operator grant`). */
export async function newOperator(): Promise<{ email: string; password: string }> {
	const email = uniqueEmail();
	const password = newPassword();
	expect(operatorWith(`${password}\n`, 'accounts', 'create', email, '--password-stdin')).toContain(
		`created ${email} (verified)`
	);
	expect(operator('operator', 'grant', email)).toContain(`${email} is an operator`);
	return { email, password };
}
