// A plan: what kvmnet would do, as ordered steps with the exact argv, the argv that undoes each, the files each
// writes, and the risk each carries. Plans are plain data (saved as JSON, shown in the preview, applied later).
import type {NetworkManagerKind} from './model.js';

export interface FileWrite {
	path: string;
	content: string;
}

export interface PlanStep {
	title: string;
	/** The command, as argv. */
	run: string[];
	/** Text written to the command's standard input (e.g. a sysfs value for tee). */
	input?: string;
	/** The command that undoes this step; absent when there is nothing to undo. */
	undo?: string[];
	undoInput?: string;
	/** Files written before the command runs; undo puts them back as they were (removes new ones). */
	writes?: FileWrite[];
	/**
	 * Undo puts the files back before its command, for undos that re-read the configuration (`netplan apply`).
	 * Otherwise the files stay until the undo command has run, since it may need them (`virsh detach-device FILE`).
	 */
	restoreFilesFirst?: boolean;
	/** What can go wrong for the user, e.g. that it moves the address of the SSH interface. */
	risk?: string;
	/** Whether the step changes the interface that carries the SSH session (apply guards these). */
	touchesSsh?: boolean;
	/** Programs the command relies on without naming them (ifup's bridge_ports needs bridge-utils' brctl). */
	needs?: string[];
	/** How apply checks the step worked: a tool can exit 0 and fail (ovs-vsctl add-br without a datapath). */
	verify?: StepCheck;
}

/** A read-only command whose success (exit 0, and output matching `pattern`) proves a step's effect. */
export interface StepCheck {
	run: string[];
	/** A regular expression the output must match (or, with `absent`, must not). */
	pattern?: string;
	absent?: boolean;
	/** What the check proves, in words for the log: "network lab is active". */
	proves: string;
}

export interface Plan {
	version: 1;
	mode: string;
	/** The parameters as given (strings), so a saved plan can be re-validated against a fresh inventory. */
	params: Record<string, string>;
	uri: string;
	manager: {kind: NetworkManagerKind; reason: string};
	/** Where the plan's files (network XML, interface XML) are written. */
	directory: string;
	networkXml?: string;
	interfaceXml: string;
	steps: PlanStep[];
	warnings: string[];
}

export interface FieldError {
	field: string;
	message: string;
}

/** Text as a regular expression that matches it literally (for step checks). */
export const escapeRegExp = (text: string) => text.replace(/[.*+?^${}()|[\]\\]/g, '\\$&');
