// tscron's version, as its package.json says (a test keeps them equal).

/** The version of tscron this is: what a scheduler reports in its fleet heartbeats. */
export const VERSION = '0.1.0';
