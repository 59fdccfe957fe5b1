/** The deletions tables' look (styled from the table: no per-cell components). */
export const TABLE_CLASS =
	'w-full text-sm [&_td]:px-3 [&_td]:py-2.5 [&_td]:align-top [&_td:first-child]:pl-4 [&_td:last-child]:pr-4 [&_th]:h-9 [&_th]:px-3 [&_th]:text-left [&_th]:text-xs [&_th]:font-medium [&_th]:whitespace-nowrap [&_th]:text-muted-foreground [&_th:first-child]:pl-4 [&_th:last-child]:pr-4 [&_tr]:border-b [&_tr:last-child]:border-0';

/**
 * On a phone (under `sm`) a table of these becomes a list of cards: its header row is hidden and each
 * row's cells wrap inside the row, so every cell and action is on screen without sideways scrolling.
 * A cell that takes a whole line of its card says so with `max-sm:basis-full`.
 */
export const CARDS_ON_PHONE =
	'max-sm:block max-sm:[&_thead]:hidden max-sm:[&_tbody]:block max-sm:[&_tr]:flex max-sm:[&_tr]:flex-wrap max-sm:[&_tr]:items-start max-sm:[&_tr]:gap-x-4 max-sm:[&_tr]:px-4 max-sm:[&_tr]:py-2 max-sm:[&_td]:block max-sm:[&_td]:!px-0 max-sm:[&_td]:py-1';
