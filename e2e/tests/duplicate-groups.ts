/** Duplicate groups as the API lists them (GET /api/v1/reports/duplicates), for the specs. */
export interface Copy {
	connection_id: string;
	upstream_id: string;
	file: string | null;
	keeper: boolean;
}

export interface Group {
	group_id: string;
	kind: 'duplicates' | 'versions';
	title: string;
	copies: Copy[];
}

/** How the duplicates page names a copy: its file name. */
export const fileName = (c: Copy) => c.file!.split(/[\\/]/).pop()!;
