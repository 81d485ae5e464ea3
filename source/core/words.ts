// Small rules of the app's English, in one place: "1 step", "2 steps".
export const plural = (n: number, word: string) => `${n} ${word}${n === 1 ? '' : 's'}`;
