// The SSH session kvmnet runs in, from the SSH_CONNECTION variable sshd sets:
// "CLIENT_ADDRESS CLIENT_PORT SERVER_ADDRESS SERVER_PORT".
import type {SshSession} from './model.js';

export function parseSshConnection(value: string | undefined): SshSession | undefined {
	const fields = value?.trim().split(/\s+/) ?? [];
	const [client, , server] = fields;
	if (fields.length !== 4 || !client || !/^[\da-fA-F.:]+(%\w+)?$/.test(client)) return undefined;
	const session: SshSession = {clientAddress: client.replace(/%.*$/, '')};
	if (server) session.serverAddress = server;
	return session;
}
