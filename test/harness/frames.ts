// Waiting for ink-testing-library's last frame to show something.

export async function until(frame: () => string | undefined, text: string | RegExp, timeoutMs = 3000): Promise<string> {
	const started = Date.now();
	for (;;) {
		const current = frame() ?? '';
		if (typeof text === 'string' ? current.includes(text) : text.test(current)) return current;
		if (Date.now() - started > timeoutMs)
			throw new Error(`screen never showed ${String(text)}; last frame:\n${current}`);
		await new Promise((resolve) => setTimeout(resolve, 10));
	}
}
