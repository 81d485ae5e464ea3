// The part of a journal the apply screen shows.
import type {Journal} from '../host/apply.js';

export type ApplyJournalView = Pick<Journal, 'status' | 'path' | 'leftovers'> & {deadline?: string; confirmed?: boolean; guardActed?: boolean};

export function journalView(journal: Journal): ApplyJournalView {
	return {
		status: journal.status,
		path: journal.path,
		leftovers: journal.leftovers,
		...(journal.guard?.deadline ? {deadline: journal.guard.deadline} : {}),
		...(journal.guard?.confirmed ? {confirmed: true} : {}),
		...(journal.guard?.actedAt ? {guardActed: true} : {}),
	};
}
