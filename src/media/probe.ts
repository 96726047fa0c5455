// Moved to src/library/probe.ts (the media library owns probing); kept for existing imports.
export * from '../library/probe.js';
