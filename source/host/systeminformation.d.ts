// Types for the systeminformation module kvmnet loads on its own (the whole package costs ~40 ms of blocking module
// loading). It is CommonJS: its exports arrive as the default export.
declare module 'systeminformation/lib/memory.js' {
	const memory: {mem(): Promise<{total: number}>};
	export default memory;
}
