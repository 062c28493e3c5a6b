// Types of scripts/build-sources.mjs, for the TypeScript that imports it (tests).
export declare const SOURCE_DIRS: string[]
export declare const ASSET_DIRS: string[]
export declare const STAMP: string
export declare function distState(root: string): 'missing' | 'stale' | 'fresh' | 'no-sources'
