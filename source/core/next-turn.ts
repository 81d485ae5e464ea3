// Long work on a large host (thousands of links) is split at points where it hands the event loop a turn, so keys
// and frames are not held up by a scan coming in. A resolved promise would not do: microtasks run before the loop
// gets its turn.
export const nextTurn = () => new Promise<void>((resolve) => setImmediate(resolve));
