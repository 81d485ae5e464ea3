// Colours, or none: Ink ignores NO_COLOR, so kvmnet decides here and components only use these values.
import {createContext, useContext} from 'react';

export interface Theme {
	/** Ink colour names, or undefined for the terminal's own colour. */
	accent?: string;
	warning?: string;
	error?: string;
	/** Dimming is an attribute, not a colour: it stays under NO_COLOR. */
	useDim: boolean;
}

export const colourTheme: Theme = {accent: 'cyan', warning: 'yellow', error: 'red', useDim: true};
export const plainTheme: Theme = {useDim: true};

/** https://no-color.org: any non-empty NO_COLOR turns colour off. */
export function themeFor(env: NodeJS.ProcessEnv): Theme {
	return env['NO_COLOR'] ? plainTheme : colourTheme;
}

export const ThemeContext = createContext<Theme>(colourTheme);
export const useTheme = () => useContext(ThemeContext);
