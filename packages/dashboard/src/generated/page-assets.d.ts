// The types of the module scripts/build-page.mjs writes beside this file (page-assets.ts, not in git):
// a clean checkout type-checks before anything is built, and the build replaces nothing here.

/** The built page's files by path relative to the page root ('index.html', 'assets/...'). */
export declare const pageAssets: Readonly<Record<string, { contentType: string; body: string }>>;
