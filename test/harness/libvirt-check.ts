// libvirt's own judges of generated XML: its RelaxNG schemas and the test driver's parser.
import {mkdtempSync, writeFileSync} from 'node:fs';
import {tmpdir} from 'node:os';
import {join} from 'node:path';
import {fileURLToPath} from 'node:url';
import {execa} from 'execa';

const interfaceSchema = fileURLToPath(new URL('../fixtures/domain-interface.rng', import.meta.url));
const hostdevSchema = fileURLToPath(new URL('../fixtures/domain-hostdev.rng', import.meta.url));
export const demoHostFile = fileURLToPath(new URL('../../source/demo/host.xml', import.meta.url));

export function tempFile(name: string, content: string): string {
	const path = join(mkdtempSync(join(tmpdir(), 'kvmnet-xml-')), name);
	writeFileSync(path, content);
	return path;
}

/** virt-xml-validate's verdict on a network document: '' when valid, else its complaint. */
export async function validateNetworkXml(xml: string): Promise<string> {
	const result = await execa('virt-xml-validate', [tempFile('network.xml', xml), 'network'], {reject: false});
	return result.exitCode === 0 ? '' : `${result.stdout}\n${result.stderr}`.trim();
}

/** The domain grammar's verdict on a bare VM device: an <interface>, or a <hostdev> (a whole PCI device). */
export async function validateInterfaceXml(xml: string): Promise<string> {
	const schema = xml.trimStart().startsWith('<hostdev') ? hostdevSchema : interfaceSchema;
	const result = await execa('xmllint', ['--noout', '--relaxng', schema, tempFile('interface.xml', xml)], {
		reject: false,
	});
	return result.exitCode === 0 ? '' : result.stderr.trim();
}

/** Define the network on the test driver (the demo host file) and report virsh's net-info, or its error. */
export async function testDriverDefine(xml: string, name: string): Promise<{ok: boolean; output: string}> {
	const file = tempFile('network.xml', xml);
	const result = await execa('virsh', ['-q', '-c', `test://${demoHostFile}`, `net-define ${file}; net-info ${name}`], {
		reject: false,
	});
	return {ok: result.exitCode === 0 && !result.stderr.includes('error'), output: `${result.stdout}${result.stderr}`};
}
