/** The strategy contract now lives with the search loop (search/strategy.ts); kept for old imports. */
export * from '../search/strategy';
