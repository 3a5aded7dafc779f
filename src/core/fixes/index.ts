/** Quick fixes as pure data: finding + config text → text edits (see fixes.ts). */
export * from './textEdits';
export * from './fixes';
