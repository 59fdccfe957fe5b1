/** Everything the item sheet shows about one movie or show, read through the typed client. */
import { api } from '$lib/api';
import { attempt, type Attempt } from '$lib/api/attempt';
import type {
	Assignment,
	ItemWatchStatus,
	LibraryItem,
	QueueRow,
	ScheduleStatus
} from '$lib/api/types';

/** A movie, show, or any row standing for one (an episode row stands for its show). */
export interface ItemRef {
	connection_id: string;
	upstream_id: string;
	title?: string | null;
}

export interface ItemView {
	item: LibraryItem;
	/** Every assignment of it, ended ones too. */
	assignments: Assignment[];
	status: Attempt<ItemWatchStatus>;
	/** What of it is in the deletion queue now (itself, its seasons, its episodes). */
	queue: QueueRow[];
	schedule: ScheduleStatus | null;
}

export async function loadItem(ref: ItemRef): Promise<Attempt<ItemView>> {
	const query = { connection_id: ref.connection_id, upstream_id: String(ref.upstream_id) };
	const item = await attempt(() => api.GET('/api/v1/assignments/item', { params: { query } }));
	if (!item.ok) return item;
	const key = { connection_id: item.value.connection_id, upstream_id: item.value.upstream_id };
	const [assignments, status, queue, schedule] = await Promise.all([
		attempt(() => api.GET('/api/v1/assignments', { params: { query: key } })),
		attempt(() => api.GET('/api/v1/assignments/status', { params: { query: key } })),
		attempt(() => api.GET('/api/v1/deletions/schedule/item', { params: { query: key } })),
		attempt(() => api.GET('/api/v1/deletions/schedule'))
	]);
	if (!assignments.ok) return assignments;
	return {
		ok: true,
		value: {
			item: item.value,
			assignments: assignments.value,
			status,
			queue: queue.ok ? queue.value : [],
			schedule: schedule.ok ? schedule.value : null
		}
	};
}

export function changeEnd(assignmentId: string, endsAt: string | null) {
	return attempt(() =>
		api.PATCH('/api/v1/assignments/{assignment_id}', {
			params: { path: { assignment_id: assignmentId } },
			body: { ends_at: endsAt }
		})
	);
}

export function unassign(assignmentId: string) {
	return attempt(() =>
		api.DELETE('/api/v1/assignments/{assignment_id}', {
			params: { path: { assignment_id: assignmentId } }
		})
	);
}

export function assignTo(items: ItemRef[]) {
	return (personIds: string[], endsAt: string | null) =>
		attempt(() =>
			api.POST('/api/v1/assignments', {
				body: {
					person_ids: personIds,
					items: items.map((i) => ({
						connection_id: i.connection_id,
						upstream_id: String(i.upstream_id)
					})),
					ends_at: endsAt
				}
			})
		);
}
