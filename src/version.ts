/** Punch release version (also the package version). */
export const VERSION = "0.1.0";
