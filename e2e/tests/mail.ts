import { expect } from '@playwright/test';

const MAIL_URL = process.env.E2E_MAIL_URL!;

/** A mail the stack's mail catcher (devstack) received. */
export interface Mail {
	to: string[];
	subject: string;
	text: string;
}

/** The mails sent to `email`, oldest first. */
export async function mailsTo(email: string): Promise<Mail[]> {
	const res = await fetch(`${MAIL_URL}/messages?to=${encodeURIComponent(email)}`);
	return (await res.json()) as Mail[];
}

/** Wait for the `count`-th mail to `email` (the worker sends it) and return it. */
export async function nthMailTo(email: string, count: number): Promise<Mail> {
	await expect.poll(async () => (await mailsTo(email)).length, { timeout: 20_000 }).toBe(count);
	return (await mailsTo(email))[count - 1];
}

/** The first link to `path` in a mail's plain text. */
export function linkIn(mail: Mail, path: string): string {
	const link = mail.text.match(new RegExp(`\\S+${path}\\?token=\\S+`))?.[0];
	expect(link, `a ${path} link in "${mail.subject}"`).toBeTruthy();
	return link!;
}
