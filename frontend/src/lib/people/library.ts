/**
 * The library table people are assigned from: its state in the URL (search, server, library, type,
 * page; the open item), and the API's query for it. Pure functions besides the fetch.
 */
import { api } from '$lib/api';
import { attempt } from '$lib/api/attempt';
import { type StateSpec, type TableState } from '$lib/reports/query';
import type { FilterDef } from '$lib/reports/tables';
import type { ItemRef } from './item';

export const LIBRARY: StateSpec = {
	sorts: [],
	sort: '',
	order: 'asc',
	library: true,
	filter: { param: 'kind', values: ['', 'movie', 'show'] }
};

export const KIND_FILTER: FilterDef = {
	param: 'kind',
	label: 'Type',
	options: [
		{ value: '', label: 'Movies and shows' },
		{ value: 'movie', label: 'Movies' },
		{ value: 'show', label: 'Shows' }
	]
};

type Kind = 'movie' | 'show';

/** What the table's filters select, as `/assignments/items` and `/assignments/filtered` take it. */
export function itemFilter(state: TableState): {
	q?: string;
	connection_id?: string;
	library_id?: string;
	kind?: Kind;
} {
	return {
		...(state.q ? { q: state.q } : {}),
		...(state.connection ? { connection_id: state.connection } : {}),
		...(state.library ? { library_id: state.library } : {}),
		...(state.filter === 'movie' || state.filter === 'show' ? { kind: state.filter as Kind } : {})
	};
}

export function fetchItems(state: TableState) {
	return attempt(() =>
		api.GET('/api/v1/assignments/items', {
			params: { query: { ...itemFilter(state), page: state.page, page_size: state.pageSize } }
		})
	);
}

export function assignFiltered(state: TableState) {
	return (personIds: string[], endsAt: string | null) =>
		attempt(() =>
			api.POST('/api/v1/assignments/filtered', {
				body: { person_ids: personIds, filter: itemFilter(state), ends_at: endsAt }
			})
		);
}

/** The `item` query parameter: "<connection id>:<upstream id>". */
export function readItem(params: URLSearchParams): ItemRef | null {
	const raw = params.get('item') ?? '';
	const at = raw.indexOf(':');
	if (at <= 0 || at === raw.length - 1) return null;
	const connection_id = raw.slice(0, at);
	const upstream_id = raw.slice(at + 1);
	if (!/^[0-9a-f-]{36}$/i.test(connection_id) || upstream_id.length > 100) return null;
	return { connection_id, upstream_id };
}

export function itemParam(ref: Pick<ItemRef, 'connection_id' | 'upstream_id'>): string {
	return `${ref.connection_id}:${ref.upstream_id}`;
}

/** A link to an item's sheet on the Assignments page (from a person, a notice…). */
export function itemHref(ref: Pick<ItemRef, 'connection_id' | 'upstream_id'>): string {
	return `/assignments?item=${encodeURIComponent(itemParam(ref))}`;
}
