import htm from 'htm';
import { h } from 'preact';

/**
 * Tagged templates instead of JSX: htm turns them into Preact's h() calls at run time, so the page needs
 * no JSX transform and its sources are plain TypeScript. Values interpolated into a template become
 * text nodes or attribute values, never markup, so a job's name cannot inject HTML.
 */
export const html = htm.bind(h);
