// Types for the two systeminformation modules kvmnet loads on their own (the whole package costs ~40 ms of
// blocking module loading; these two, ~12 ms). They are CommonJS: their exports arrive as the default export.
declare module 'systeminformation/lib/cpu.js' {
	const cpu: {cpuFlags(): Promise<string>};
	export default cpu;
}
declare module 'systeminformation/lib/memory.js' {
	const memory: {mem(): Promise<{total: number}>};
	export default memory;
}
