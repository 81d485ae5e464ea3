// The app's single keypress dispatcher. Ink 6.8's useInput re-subscribes its handler on every render, so keys
// arriving together reach stale closures; here one listener is subscribed once, every input event is split into
// keys in order, and each key goes to the latest handler (the app passes a reducer's dispatch, so each key sees
// the state the previous key left).
import {useStdin} from 'ink';
import {useEffect, useRef} from 'react';
import {trace} from '../host/trace.js';
import {parseKeys, type Key} from '../ui/keys.js';

export function useKeypress(onKey: (key: Key) => void): void {
	const {internal_eventEmitter: events, setRawMode, isRawModeSupported} = useStdin();
	const handler = useRef(onKey);
	useEffect(() => {
		handler.current = onKey;
	});
	useEffect(() => {
		if (!isRawModeSupported) return;
		setRawMode(true);
		return () => setRawMode(false);
	}, [isRawModeSupported, setRawMode]);
	useEffect(() => {
		const listen = (input: string) => {
			for (const key of parseKeys(input)) {
				trace('key', {name: key.name});
				handler.current(key);
			}
		};
		events.on('input', listen);
		return () => {
			events.off('input', listen);
		};
	}, [events]);
}
