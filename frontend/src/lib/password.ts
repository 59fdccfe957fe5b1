/**
 * Client-side hints for the password policy. The server is the authority: these only guide
 * the user while typing and never block a submit.
 * Policy: at least 10 characters, at most 72 bytes in UTF-8, not equal to the email, and not one of
 * the ~49,000 most common passwords (checked by the server only: its 400 names the password field).
 * An empty password meets no hint (nothing is ticked before the user types).
 */

export const MIN_PASSWORD_CHARS = 10;
export const MAX_PASSWORD_BYTES = 72;

export interface PasswordHint {
	id: 'length' | 'bytes' | 'email';
	label: string;
	ok: boolean;
}

const encoder = new TextEncoder();

export function utf8Length(s: string): number {
	return encoder.encode(s).length;
}

/** Characters as users count them (code points, so an emoji is one). */
export function charLength(s: string): number {
	return Array.from(s).length;
}

export function passwordHints(password: string, email = ''): PasswordHint[] {
	const normalizedEmail = email.trim().toLowerCase();
	return [
		{
			id: 'length',
			label: `At least ${MIN_PASSWORD_CHARS} characters`,
			ok: charLength(password) >= MIN_PASSWORD_CHARS
		},
		{
			id: 'bytes',
			label: `At most ${MAX_PASSWORD_BYTES} bytes (fewer if you use accents or emoji)`,
			ok: password.length > 0 && utf8Length(password) <= MAX_PASSWORD_BYTES
		},
		{
			id: 'email',
			label: 'Not the same as your email',
			ok: password.length > 0 && password.trim().toLowerCase() !== normalizedEmail
		}
	];
}

export function passwordLooksValid(password: string, email = ''): boolean {
	return passwordHints(password, email).every((h) => h.ok);
}
