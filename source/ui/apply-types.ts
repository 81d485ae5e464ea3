// The part of a journal the apply screen shows.
import {describeJournal, stepsToUndo, type Journal} from '../core/journal.js';

export type ApplyJournalView = Pick<Journal, 'id' | 'status' | 'path' | 'leftovers'> & {
	deadline?: string;
	confirmed?: boolean;
	guardActed?: boolean;
	/** One line naming the journal (plan, state, when), and how many steps an undo would go through. */
	description: string;
	toUndo: number;
};

export function journalView(journal: Journal): ApplyJournalView {
	return {
		id: journal.id,
		status: journal.status,
		path: journal.path,
		leftovers: journal.leftovers,
		description: describeJournal(journal),
		toUndo: stepsToUndo(journal).length,
		...(journal.guard?.deadline ? {deadline: journal.guard.deadline} : {}),
		...(journal.guard?.confirmed ? {confirmed: true} : {}),
		...(journal.guard?.actedAt ? {guardActed: true} : {}),
	};
}
