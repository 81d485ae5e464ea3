// Which host to show: the demo when asked; this machine otherwise, falling back to the demo (with the reason)
// only for the interactive app when no libvirt was named and none is reachable (a hung one is not replaced by the
// demo). Scripts never get demo data unasked.
import type {DoctorFacts} from '../core/doctor/index.js';
import type {HostModel} from '../core/model.js';
import {markStall} from './trace.js';
import {loadDemoDoctorFacts, loadDemoHost} from './demo.js';
import {scanDoctorFacts} from './scan-doctor.js';
import {runnerFor, scanHost, type ScanOptions} from './scan.js';

export interface LoadOptions extends ScanOptions {
	demo?: boolean;
	/** Show the demo when libvirt is not reachable and the user did not name a URI. */
	demoWhenNoLibvirt?: boolean;
}

export async function loadHost(options: LoadOptions): Promise<HostModel> {
	if (options.demo) return loadDemoHost();
	markStall('before-scan');
	const host = await scanHost(options);
	const env = options.env ?? process.env;
	const uriNamed = options.connect !== undefined || env['LIBVIRT_DEFAULT_URI'] !== undefined;
	// A libvirt that did not answer in time is there but hung: this machine is shown, with that said.
	if (options.demoWhenNoLibvirt && !uriNamed && !host.header.libvirt.reachable && !host.header.libvirt.timeout) {
		const why = host.header.libvirt.error ?? 'it did not answer';
		return loadDemoHost(
			`No libvirt answers at ${host.header.libvirt.uri} (${why}). This is the built-in demo host. ` +
				'To see this machine: install libvirt (apt-get install libvirt-daemon-system libvirt-clients), ' +
				'start it (systemctl start libvirtd), or name a URI with --connect.',
		);
	}
	return host;
}

/** The doctor's facts for the host shown: the demo's own for the demo, read from that host otherwise (this machine, or the remote one). */
export function loadDoctorFacts(host: HostModel, runner = runnerFor(host.header.libvirt.uri)): Promise<DoctorFacts> {
	return host.source === 'demo' ? loadDemoDoctorFacts() : scanDoctorFacts(runner);
}
