/** Served by vite.config.ts from src/lib/api/openapi.json (see src/lib/forms/extract.ts). */
declare module 'virtual:api-constraints' {
	const constraints: import('$lib/forms/extract').SchemaConstraints;
	export default constraints;
}
