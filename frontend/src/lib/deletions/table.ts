/** The deletions tables' look (styled from the table: no per-cell components). */
export const TABLE_CLASS =
	'w-full text-sm [&_td]:px-3 [&_td]:py-2.5 [&_td]:align-top [&_td:first-child]:pl-4 [&_td:last-child]:pr-4 [&_th]:h-9 [&_th]:px-3 [&_th]:text-left [&_th]:text-xs [&_th]:font-medium [&_th]:whitespace-nowrap [&_th]:text-muted-foreground [&_th:first-child]:pl-4 [&_th:last-child]:pr-4 [&_tr]:border-b [&_tr:last-child]:border-0';
