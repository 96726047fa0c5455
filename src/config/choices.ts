/**
 * The fixed lists some config values choose from. Kept apart from schema.ts (which needs
 * node:net) so the API's response schemas, whose types the browser control room imports,
 * stay free of Node modules.
 */
export const QUALITY_NAMES = ['low', 'medium', 'high'] as const;

/** Kinds of media the library knows (see src/library/catalog.ts MediaKind). */
export const MEDIA_KINDS = ['episode', 'movie', 'commercial', 'bumper', 'station_id', 'promo', 'other'] as const;
