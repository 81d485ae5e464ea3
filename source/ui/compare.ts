// The comparison table's columns and how many fit on a terminal of a given width.
import type {Comparison} from '../modes/types.js';

export const comparisonColumns: {key: keyof Comparison; title: string}[] = [
	{key: 'internet', title: 'Internet'},
	{key: 'vmHost', title: 'VM ↔ host'},
	{key: 'vmLan', title: 'VM ↔ LAN'},
	{key: 'fromLan', title: 'Reachable from LAN'},
	{key: 'performance', title: 'Performance'},
	{key: 'suits', title: 'Suits'},
];

export const compareNameWidth = 22;
const columnWidth = 26;

/** How many comparison columns fit beside the mode names, and so how many pages there are. */
export function comparisonLayout(width: number): {perPage: number; pages: number} {
	const perPage = Math.max(1, Math.min(comparisonColumns.length, Math.floor((width - compareNameWidth) / columnWidth)));
	return {perPage, pages: Math.ceil(comparisonColumns.length / perPage)};
}
